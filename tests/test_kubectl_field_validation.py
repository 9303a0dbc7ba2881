"""kubectl's --validate as fieldValidation: strict fails, warn drops and warns, false drops silently."""
from __future__ import annotations

import pytest

from lab.sim.world import World

TYPO = """\
apiVersion: v1
kind: Service
metadata:
  name: typo
spec:
  selectr:
    app: web
  ports:
  - port: 80
"""


@pytest.fixture(scope="module")
def world() -> World:
    return World.from_profile("kubeadm", seed=0)


def test_strict_is_the_default(world):
    r = world.run("kubectl create -f -", stdin=TYPO)
    assert (r.status, r.stdout) == (1, "")
    assert r.stderr == ('Error from server (BadRequest): error when creating "STDIN": Service in version "v1" '
                        'cannot be handled as a Service: strict decoding error: unknown field "spec.selectr"\n')


@pytest.mark.parametrize("flag, warning", [("--validate=warn", 'Warning: unknown field "spec.selectr"\n'),
                                           ("--validate=false", "")])
def test_warn_and_ignore_create_without_the_unknown_field(world, flag, warning):
    r = world.run(f"kubectl create -f - {flag}", stdin=TYPO)
    assert (r.status, r.stdout, r.stderr) == (0, "service/typo created\n", warning)
    # The warning comes before the result, as kubectl prints the response's Warning header first.
    assert [stream for stream, _ in r.chunks] == (["err", "out"] if warning else ["out"])
    assert "selectr" not in world.run("kubectl get svc typo -o yaml").stdout
    world.run("kubectl delete svc typo")
