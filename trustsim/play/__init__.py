"""The participatory game's core: rooms, roles, rounds, the decision log and its replay.

`participatory` holds the game without any page: who decides what each round, how a decision
becomes a parameter of the running TrustModel, and the log that `trustsim session replay`
re-runs. May import the model layer only; the pages that play it live in `trustsim.app`.
"""
