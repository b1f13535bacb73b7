"""A local EVERY8D HTTP API 2.1 server for demos and tests (Python standard library only).

It keeps its own formatting and parsing code and imports nothing else from
``airflow_provider_every8d``, so a test that runs the client against it checks the wire
(docs/wire-decisions.md), not the client's code against itself.

    from airflow_provider_every8d.emulator import Every8dEmulator

    with Every8dEmulator(delivery_seconds=0.5) as emu:
        os.environ.update(emu.connection_env())      # AIRFLOW_CONN_EVERY8D_DEFAULT
        ...                                          # run the hook / operator / DAG
        assert emu.sent_count("0900000678") == 1

Command line: ``python -m airflow_provider_every8d.emulator --port 8088``.
pytest: the ``every8d_emulator`` fixture (``airflow_provider_every8d.emulator.pytest_plugin``).

Which final status a recipient gets depends on the last three digits of the number:

=============  ==========================================================================
ends with      final status (SMS)
=============  ==========================================================================
101 ... 107    that failure code (``0900000103`` -> 103)
999            stays 0 (at the carrier) forever: never terminal, for timeout tests
998            100 delivered, then the recipient replies ``Y`` one delivery period later
anything else  100 delivered
=============  ==========================================================================

International numbers get 500 (uncharged) unless the account has ``international=True``.
MMS messages are 700 once sent (or the failure code, for numbers ending 101-107). Booked messages
stay 300 until their time; erased ones are 303. Error codes: see ``endpoints``; faults: see ``faults``;
answer shapes beyond the plainest (free text, empty pages, Big5 and decimal refusals ...): see ``modes``.
"""

from .faults import FaultRule, Faults
from .handler import RequestRecord
from .modes import Modes
from .push import PushAttempt
from .server import Every8dEmulator
from .state import Account, MessageRecord, Reply

__all__ = [
    "Account",
    "Every8dEmulator",
    "FaultRule",
    "Faults",
    "MessageRecord",
    "Modes",
    "PushAttempt",
    "Reply",
    "RequestRecord",
]
