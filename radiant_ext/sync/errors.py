"""Errors raised by the sync jobs.

::

    RadiantError
    └── SyncError                   a job or the scheduler cannot do what was asked
        ├── UnknownJobError         ``radiant-ext sync run`` with a job id nobody declared
        ├── JobBusyError            the job is running in another process right now
        ├── PartialJobError         some items of a run failed (the run keeps its counts)
        └── AlreadyFiledError       a parked request to requeue has a ticket in Znuny already
"""

from __future__ import annotations

from collections.abc import Mapping

from radiant_ext.errors import RadiantError

__all__ = ["AlreadyFiledError", "JobBusyError", "PartialJobError", "ReferenceTakenError",
           "SyncError", "UnknownJobError"]


class SyncError(RadiantError):
    """A sync job or the scheduler cannot do what was asked."""


class UnknownJobError(SyncError):
    """No job with that id is declared (built in or by a plugin)."""


class ReferenceTakenError(SyncError):
    """A request reference that another customer's request already carries."""


class AlreadyFiledError(SyncError):
    """A parked request that already has its ticket: sending it again would file it twice."""


class JobBusyError(SyncError):
    """The job holds its lock in another process; it is not run twice at once."""


class PartialJobError(SyncError):
    """Some items of a run failed; the others were done and are counted.

    :param counts: what the run did, including ``failed``.
    :param last_error: the last item's error, shown by ``radiant-ext sync status``.
    """

    def __init__(self, counts: Mapping[str, int], last_error: BaseException) -> None:
        failed = counts.get("failed", 0)
        super().__init__(f"{failed} item(s) failed; last: {type(last_error).__name__}: "
                         f"{last_error}")
        self.counts = dict(counts)
        self.last_error = last_error
