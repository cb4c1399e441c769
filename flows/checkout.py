"""The pull step of incubase's deployments (prefect.yaml): each flow run works in the code installed on
its worker's own machine, wherever that machine keeps it.

Prefect's `set_working_directory` step with `{{ $INCUBASE_HOME }}` looked like a path each worker fills
in, but `prefect deploy` (3.8.8) fills it in on the deploying machine and stores that absolute path in
the deployment; a worker whose checkout lives elsewhere then fails to find the entrypoint, or finds the
deployer's. This step has nothing to fill in at deploy time: on the worker, the flow run's Python imports
it from the incubase installation of the worker's virtualenv, and the entrypoints (flows/*.py) are found
relative to that installation, the same code the worker's `prefect` runs with.
"""
from __future__ import annotations

import os

from config import PROJECT_ROOT


def enter_checkout() -> dict[str, str]:
    """Prefect pull step (`flows.checkout.enter_checkout: {}`): the working directory becomes the root of
    the installation this Python imports incubase from; its output names it (`{{ step-id.directory }}`)."""
    os.chdir(PROJECT_ROOT)
    return {"directory": str(PROJECT_ROOT)}
