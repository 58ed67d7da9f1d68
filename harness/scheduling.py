"""The xdist scheduler of a claims run: claims of one experiment group on one worker, and safe when workers die.

``--dist loadgroup`` sends the claims of one group (``[CLAIM_ID@GROUP]`` in the test id, ``claims.GROUP_SEPARATOR``)
to one worker, so the experiment they share trains once. xdist's own loadgroup reads the group from an ``@group``
suffix of the node id, which pytest >= 9.2 no longer lets a plugin add; and its scope scheduler (pytest-xdist 3.8)
is unsafe when a worker dies, in three ways that ``ClaimGroupScheduling`` fixes:

- it re-queues *every* unit the dead worker ever had, finished ones included; a replacement worker handed a unit
  with nothing left to run reports no test, so nothing schedules again and the session hangs (upstream #1323);
- it re-queues the test that killed the worker, which kills worker after worker until "maximum crashed workers
  reached" (the claim is reported once, as an error, and never re-run);
- after a death it hands work to every worker, a replacement that has not finished collecting included, and
  fails with ``KeyError: <WorkerController gw3>`` (upstream #1189, #1362). A worker gets work once it has
  collected (xdist calls ``schedule()`` then);
- a replacement gets one unit; a worker runs a test only when it holds the next one, so one single-test unit
  waits forever (1 run in 12 with one death among ungrouped claims). Every worker is topped up to two tests;
- it sends work to a worker that has died before xdist has processed the death, and the failed send ends the
  session with an INTERNALERROR (1 run in 12 with four deaths). The unit goes back to the queue instead.
"""

from __future__ import annotations

import re

from xdist.scheduler import LoadGroupScheduling

from toy_claims.harness.claims import GROUP_SEPARATOR

__all__ = ["ClaimGroupScheduling"]

_GROUP_ID = re.compile(re.escape(GROUP_SEPARATOR) + r"([^\]@]+)\]$")


class ClaimGroupScheduling(LoadGroupScheduling):
    """xdist's scope scheduler over claim groups, with a worker death handled as one error and no re-run."""

    def __init__(self, config, log=None) -> None:
        super().__init__(config, log)
        self._gone: set = set()  # workers a send failed to: dead, their death not yet processed

    def _split_scope(self, nodeid: str) -> str:
        match = _GROUP_ID.search(nodeid)
        return match.group(1) if match else super()._split_scope(nodeid)

    def remove_node(self, node) -> str | None:
        """A worker left: when it died, its running test is the crash item (done, never re-run) and only its units
        with tests still to run go back to the queue, first, in their order. Returns the crash item or None."""
        workload = self.assigned_work.pop(node)
        self._gone.discard(node)
        unfinished = {scope: unit for scope, unit in workload.items() if not all(unit.values())}
        if not unfinished:
            return None
        crashed = next(nodeid for unit in unfinished.values() for nodeid, done in unit.items() if not done)
        for unit in unfinished.values():
            if crashed in unit:
                unit[crashed] = True
        requeue = {scope: unit for scope, unit in unfinished.items() if not all(unit.values())}
        for scope, unit in reversed(requeue.items()):
            self.workqueue[scope] = unit
            self.workqueue.move_to_end(scope, last=False)
        for other in self.nodes:
            self._reschedule(other)
        return crashed

    def _reschedule(self, node) -> None:
        """Work for ``node`` until it holds two tests or the queue is empty: a worker runs a test only once it holds
        the next one (or is told to shut down), so a replacement handed one single-test unit would wait forever."""
        if node not in self.registered_collections or node in self._gone:  # a replacement still collecting gets
            return  # work from schedule(); a dead one gets none
        super()._reschedule(node)
        while (self.workqueue and not node.shutting_down and node not in self._gone
               and self._pending_of(self.assigned_work[node]) < 2):
            self._assign_work_unit(node)

    def _assign_work_unit(self, node) -> None:
        """The next unit to ``node``; if the worker has died and xdist has not yet heard (sending fails), the unit goes
        back to the front of the queue and the worker gets nothing more: its death is handled by ``remove_node``."""
        scope, unit = next(iter(self.workqueue.items()))
        try:
            super()._assign_work_unit(node)
        except OSError:
            self.assigned_work[node].pop(scope, None)
            self.workqueue[scope] = unit
            self.workqueue.move_to_end(scope, last=False)
            self._gone.add(node)

