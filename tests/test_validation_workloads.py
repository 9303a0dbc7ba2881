"""Deployment/ReplicaSet/DaemonSet validation messages (apps validation, v1.32)."""
import copy

from lab.sim.api.defaults import apply_defaults
from lab.sim.api.validation import validate


def deploy(selector={"matchLabels": {"app": "nginx"}}, labels={"app": "nginx"}, **spec):
    obj = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "nginx", "namespace": "default"},
           "spec": {"template": {"metadata": {"labels": dict(labels)},
                                 "spec": {"containers": [{"name": "nginx", "image": "nginx"}]}}, **spec}}
    if selector is not None:
        obj["spec"]["selector"] = copy.deepcopy(selector)
    apply_defaults(obj)
    return obj


def msgs(obj, old=None):
    return [str(e) for e in validate(obj, old)]


def test_valid():
    assert msgs(deploy()) == []


def test_selector_required():
    assert msgs(deploy(selector=None)) == [
        "spec.selector: Required value",
        'spec.template.metadata.labels: Invalid value: map[string]string{"app":"nginx"}: '
        "`selector` does not match template `labels`"]


def test_selector_mismatch():
    assert msgs(deploy(selector={"matchLabels": {"app": "web"}})) == [
        'spec.template.metadata.labels: Invalid value: map[string]string{"app":"nginx"}: '
        "`selector` does not match template `labels`"]


def test_selector_immutable():
    old = deploy()
    new = deploy(selector={"matchLabels": {"app": "nginx", "tier": "web"}}, labels={"app": "nginx", "tier": "web"})
    assert msgs(new, old) == [
        'spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"app":"nginx", '
        '"tier":"web"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable']


def test_replicas_non_negative():
    assert msgs(deploy(replicas=-1)) == ["spec.replicas: Invalid value: -1: must be greater than or equal to 0"]


def test_max_surge_and_unavailable_zero():
    obj = deploy(strategy={"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 0, "maxUnavailable": 0}})
    assert msgs(obj) == ['spec.strategy.rollingUpdate.maxUnavailable: Invalid value: intstr.IntOrString{Type:0, '
                         'IntVal:0, StrVal:""}: may not be 0 when `maxSurge` is 0']


def test_max_unavailable_percent():
    obj = deploy(strategy={"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": "150%"}})
    assert msgs(obj) == ['spec.strategy.rollingUpdate.maxUnavailable: Invalid value: intstr.IntOrString{Type:1, '
                         'IntVal:0, StrVal:"150%"}: must not be greater than 100%']


def test_strategy_type():
    assert msgs(deploy(strategy={"type": "BlueGreen"})) == [
        'spec.strategy.type: Unsupported value: "BlueGreen": supported values: "Recreate", "RollingUpdate"']


def test_recreate_forbids_rolling_update():
    obj = deploy(strategy={"type": "Recreate", "rollingUpdate": {"maxSurge": 1}})
    assert msgs(obj) == ["spec.strategy.rollingUpdate: Forbidden: may not be specified when strategy `type` is "
                         "'Recreate'"]


def test_revision_history_limit():
    assert msgs(deploy(revisionHistoryLimit=-1)) == [
        "spec.revisionHistoryLimit: Invalid value: -1: must be greater than or equal to 0"]


def test_template_restart_policy():
    obj = deploy()
    obj["spec"]["template"]["spec"]["restartPolicy"] = "Never"
    assert msgs(obj) == ['spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"']


def test_replicaset_selector_required():
    obj = {"apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": {"name": "rs", "namespace": "default"},
           "spec": {"template": {"metadata": {"labels": {"app": "x"}},
                                 "spec": {"containers": [{"name": "c", "image": "nginx"}]}}}}
    apply_defaults(obj)
    assert msgs(obj)[0] == "spec.selector: Required value"


def test_daemonset_valid_after_defaults():
    obj = {"apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": {"name": "ds", "namespace": "default"},
           "spec": {"selector": {"matchLabels": {"app": "x"}},
                    "template": {"metadata": {"labels": {"app": "x"}},
                                 "spec": {"containers": [{"name": "c", "image": "nginx"}]}}}}
    apply_defaults(obj)
    assert msgs(obj) == []
