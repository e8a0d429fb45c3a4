"""The steered chat at run time: answers steered along a study's axes, judged, chosen, repaired.

- ``judges``: axis judges, steering prompts, distances to the targets
- ``chat``: best-of-n steered turns, rewind and regenerate
- ``repair``: understood/valid marks, flags into the diary, the mitigator pass
- ``prompt_library``: the study's shared prompts
- ``limits``: daily limits a facilitator sets
"""
