"""Leases: which live process may write a batch or a publication.

A batch being generated is leased to one run: `run_id`, and the runner's pid, host and boot
identity, with an expiry the run renews while it is alive (`LEASE_SECONDS`). Writes check the
lease, so two runs can never both add questions to one batch. A lease is stale — and `retry`
takes it over — when it has expired, when its host is this one but booted since, or when its
process on this host is gone. A pid alone is not enough: pids are reused, and two containers
sharing a database both run as pid 1. A Canvas publication being published is leased the same
way (`claim_publication`, `renew_publication`).
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from pathlib import Path

LEASE_SECONDS = 60.0
"""How long a batch lease lasts unless renewed; a live run renews it every third of that."""


@dataclass(frozen=True)
class Runner:
    """Who holds a lease: a process on a host since a boot. `current()` is this process."""

    pid: int
    host: str
    boot: str

    @classmethod
    def current(cls) -> Runner:
        return cls(os.getpid(), socket.gethostname(), _boot_id())


def _boot_id() -> str:
    """The kernel's boot id (Linux); "" elsewhere, where the expiry alone covers a reboot."""
    try:
        return Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    except OSError:
        return ""


def lease_alive(
    pid: int | None,
    host: str | None,
    boot: str | None,
    expires_at: str | None,
    *,
    me: Runner,
    at: str,
) -> bool:
    """Whether a lease (a batch's or a publication's) is held by a live run (see the module
    docstring).

    A lease without a host (written before leases had one) falls back to the pid check."""
    if pid is None:
        return False
    if expires_at is not None and expires_at <= at:
        return False
    if host is None:
        return _process_alive(pid)
    if host != me.host:
        return True  # another machine or container: only its renewals say it is alive
    if boot != me.boot:
        return False  # this host rebooted since: every process of that boot is gone
    if pid == me.pid:
        return expires_at is not None  # another run in this process, renewing its lease
    return _process_alive(pid)


def _process_alive(pid: int | None) -> bool:
    if pid is None:
        return False
    if pid == os.getpid():
        return False  # our own earlier run in this process is over by definition
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
