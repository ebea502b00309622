"""The live step library: the machine, a command-line system, how its runs ended, its outputs, the
files it reads, robustness, a service, the project around them.

Load it in a project's ``conftest.py`` with one line::

    pytest_plugins = ["living_checklist.steps"]

Each module is an ordinary pytest-bdd step module; copy one as an example for your own steps.

PYTEST_DONT_REWRITE: the steps raise their own measured-vs-required messages.
"""

pytest_plugins = [
    "living_checklist.steps.hardware",
    "living_checklist.steps.system",
    "living_checklist.steps.exits",
    "living_checklist.steps.robustness",
    "living_checklist.steps.service",
    "living_checklist.steps.load",
    "living_checklist.steps.outputs",
    "living_checklist.steps.files",
    "living_checklist.steps.project",
]
