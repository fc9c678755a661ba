"""Orders looked up and acted on in the shop's own systems (shop/), never guessed.

``order_form`` asks for the order number and for proof that the order is the
customer's (the email address or postcode on it); ``validate_order_form`` checks
them against the shop; ``action_order_task`` then does what the customer asked.
Wrong details three times bring in a person (``security_risk``): the action asks
in the ``escalation_request`` slot and the escalation policy decides.
"""
