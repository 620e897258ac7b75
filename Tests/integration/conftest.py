"""Fixtures for the integration suite: generated media, a running weir, publishers.

Environment:
  WEIR_BIN        the binary under test (default .build/release/weir). When it is
                  set and missing, server tests fail; when unset and the default is
                  missing, they are skipped (so the self-tests run without a server).
  WEIR_TEST_MEDIA where generated media is cached (default .build/testmedia).
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading

import pytest

import media
import publishers
import weirserver

DEFAULT_LIMITS = {"setup": 300, "call": 180, "teardown": 60}


# ---------------------------------------------------------------- per-test time limit

class PhaseTimeout(Exception):
    pass


@contextlib.contextmanager
def _alarm(seconds: int, what: str):
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "SIGALRM"):
        yield
        return

    def fire(signum, frame):
        raise PhaseTimeout(f"{what} exceeded {seconds} s")

    old = signal.signal(signal.SIGALRM, fire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def _limit(item, phase: str) -> int:
    m = item.get_closest_marker("time_limit")
    if m and phase == "call":
        return int(m.args[0])
    return DEFAULT_LIMITS[phase]


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_setup(item):
    with _alarm(_limit(item, "setup"), f"setup of {item.nodeid}"):
        yield


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item):
    with _alarm(_limit(item, "call"), item.nodeid):
        yield


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item):
    with _alarm(_limit(item, "teardown"), f"teardown of {item.nodeid}"):
        yield


# ---------------------------------------------------------------- failure reports

@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    if rep.failed:
        for srv in list(weirserver.LIVE):
            state = "running" if srv.alive() else f"EXITED with {srv.proc.returncode if srv.proc else '?'}"
            rep.sections.append((f"weir log ({srv.workdir.name}, {state})", srv.log_tail(120)))


# ---------------------------------------------------------------- media

@pytest.fixture(scope="session")
def source():
    """source(name) -> media.SourceInfo, generated once and cached on disk."""
    if not publishers.have("ffmpeg") or not publishers.have("ffprobe"):
        pytest.skip("ffmpeg/ffprobe not installed (run scripts/install-deps.sh)")
    cache: dict[str, media.SourceInfo] = {}

    def get(name: str) -> media.SourceInfo:
        if name not in cache:
            cache[name] = media.ensure_media(name)
        return cache[name]

    return get


# ---------------------------------------------------------------- server

def _require_binary() -> None:
    path = weirserver.weir_bin()
    if path.exists():
        return
    if "WEIR_BIN" in os.environ:
        pytest.fail(f"WEIR_BIN={path} does not exist")
    pytest.skip(f"no weir binary at {path} (run `make build`, or set WEIR_BIN)")


class ServerFactory:
    def __init__(self, tmp_factory, name: str):
        self.tmp_factory = tmp_factory
        self.name = name
        self.servers: list[weirserver.WeirServer] = []

    def __call__(self, routes: dict[str, str] | None = None) -> weirserver.WeirServer:
        _require_binary()
        srv = weirserver.WeirServer(self.tmp_factory.mktemp(f"weir-{self.name}"), routes)
        try:
            srv.start()
        except Exception:
            srv.stop()
            raise
        self.servers.append(srv)
        return srv

    def stop_all(self) -> list[str]:
        problems = []
        for srv in self.servers:
            srv.stop()
            if srv.exit_problem:
                problems.append(f"{srv.exit_problem}\n--- log tail ---\n{srv.log_tail(60)}")
        return problems


@pytest.fixture(scope="module")
def weir_factory(tmp_path_factory, request):
    """weir_factory(routes={"10-live.yaml": text}) starts a server; all are stopped after the module."""
    f = ServerFactory(tmp_path_factory, request.module.__name__.rsplit(".", 1)[-1])
    yield f
    problems = f.stop_all()
    if problems:
        pytest.fail("\n".join(problems))


@pytest.fixture(scope="module")
def weir(weir_factory):
    """A server with the default route (live/* -> hls segment 2s, part 200ms, window 12)."""
    return weir_factory()


@pytest.fixture(scope="module")
def module_procs(tmp_path_factory):
    p = publishers.Processes(tmp_path_factory.mktemp("procs"))
    yield p
    p.stop_all()


@pytest.fixture
def procs(tmp_path):
    p = publishers.Processes(tmp_path / "procs")
    yield p
    p.stop_all()


def need_publisher(name: str) -> None:
    why = publishers.available(name)
    if why:
        pytest.skip(f"{name} publisher unavailable: {why}")
