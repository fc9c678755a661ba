"""Domain code shared by the actions, the Rasa components and the channels; imports nothing of ours."""
