"""Strict decoding as kube-apiserver 1.32 does it for kubectl's fieldValidation=Strict.

Message forms mirrored (as printed after kubectl's `Error from server (BadRequest): error when creating "x.yaml": `):
- `Service in version "v1" cannot be handled as a Service: strict decoding error: unknown field "spec.selectr"`
- `Ingress in version "v1" cannot be handled as a Ingress: strict decoding error: unknown field
  "spec.rules[0].http.paths[0].backend.serviceName", unknown field ...` (several, joined by ", ")
- `Service in version "v1" cannot be handled as a Service: json: cannot unmarshal string into Go struct
  field ServicePort.spec.ports.port of type int32`
- `ConfigMap in version "v1" cannot be handled as a ConfigMap: json: cannot unmarshal object into Go
  struct field ConfigMap.data of type string`
- `Deployment in version "v1" cannot be handled as a Deployment: json: cannot unmarshal string into Go
  struct field ContainerPort.spec.template.spec.containers.ports.containerPort of type int32`
"""
from __future__ import annotations

import copy

import pytest

from lab.sim.api.errors import StatusError
from lab.sim.api.schema import decode_error, definition_for, go_type_name, strict_decode


def service(spec, **extra):
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"}, "spec": spec, **extra}


def deployment(container, **spec):
    return {
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
        "spec": {"selector": {"matchLabels": {"app": "web"}},
                 "template": {"metadata": {"labels": {"app": "web"}},
                              "spec": {"containers": [{"name": "web", "image": "nginx", **container}]}},
                 **spec},
    }


def status_of(obj) -> StatusError:
    with pytest.raises(StatusError) as info:
        strict_decode(obj)
    return info.value


def test_unknown_field_is_a_bad_request():
    err = status_of(service({"selectr": {"app": "web"}, "ports": [{"port": 80}]}))
    assert (err.code, err.reason) == (400, "BadRequest")
    assert err.message == ('Service in version "v1" cannot be handled as a Service: '
                           'strict decoding error: unknown field "spec.selectr"')
    assert err.to_status()["message"] == err.message


def test_several_unknown_fields_in_the_order_kubectl_sends_keys():
    obj = service({"selectr": {}, "ports": [{"port": 80, "nodeport": 30080}, {"port": 81, "Name": "x"}]},
                  extra=1)
    assert decode_error(obj) == ('strict decoding error: unknown field "extra", unknown field "spec.ports[0].nodeport", '
                                 'unknown field "spec.ports[1].Name", unknown field "spec.selectr"')


def test_unknown_fields_under_map_values_use_the_key():
    obj = deployment({"imagee": "nginx"}, replicass=3)
    assert decode_error(obj) == ('strict decoding error: unknown field "spec.replicass", '
                                 'unknown field "spec.template.spec.containers[0].imagee"')


@pytest.mark.parametrize("spec,message", [
    ({"ports": [{"port": "80"}]},
     "json: cannot unmarshal string into Go struct field ServicePort.spec.ports.port of type int32"),
    ({"ports": [{"port": 80, "nodePort": "30080"}]},
     "json: cannot unmarshal string into Go struct field ServicePort.spec.ports.nodePort of type int32"),
    ({"ports": [{"port": 1.5}]},
     "json: cannot unmarshal number 1.5 into Go struct field ServicePort.spec.ports.port of type int32"),
    ({"ports": [{"port": 99999999999}]},
     "json: cannot unmarshal number 99999999999 into Go struct field ServicePort.spec.ports.port of type int32"),
    ({"ports": [{"port": 80, "targetPort": True}]},
     "json: cannot unmarshal bool into Go struct field ServicePort.spec.ports.targetPort of type int32"),
    ({"ports": [{"port": 80, "protocol": 6}]},
     "json: cannot unmarshal number into Go struct field ServicePort.spec.ports.protocol of type v1.Protocol"),
    ({"ports": [80]}, "json: cannot unmarshal number into Go struct field ServiceSpec.spec.ports of type v1.ServicePort"),
    ({"ports": {"port": 80}},
     "json: cannot unmarshal object into Go struct field ServiceSpec.spec.ports of type []v1.ServicePort"),
    ({"type": 5}, "json: cannot unmarshal number into Go struct field ServiceSpec.spec.type of type v1.ServiceType"),
    ({"selector": {"app": 1}},
     "json: cannot unmarshal number into Go struct field ServiceSpec.spec.selector of type string"),
    ({"selector": ["app"]},
     "json: cannot unmarshal array into Go struct field ServiceSpec.spec.selector of type map[string]string"),
    ({"clusterIPs": "10.96.0.10"},
     "json: cannot unmarshal string into Go struct field ServiceSpec.spec.clusterIPs of type []string"),
    ({"publishNotReadyAddresses": "yes"},
     "json: cannot unmarshal string into Go struct field ServiceSpec.spec.publishNotReadyAddresses of type bool"),
])
def test_wrong_types_are_reported_as_go_json_does(spec, message):
    assert decode_error(service(spec)) == message
    assert status_of(service(spec)).message == f'Service in version "v1" cannot be handled as a Service: {message}'


def test_top_level_and_map_value_type_errors():
    assert decode_error(service("x")) == (
        "json: cannot unmarshal string into Go struct field Service.spec of type v1.ServiceSpec")
    cm = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "labels": {"a": True}}}
    assert decode_error(cm) == "json: cannot unmarshal bool into Go struct field ObjectMeta.metadata.labels of type string"
    cm = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"a": {}}}
    assert status_of(cm).message == ('ConfigMap in version "v1" cannot be handled as a ConfigMap: '
                                     'json: cannot unmarshal object into Go struct field ConfigMap.data of type string')


def test_apps_v1_names_only_the_version():
    obj = deployment({"ports": [{"containerPort": "80"}]})
    assert status_of(obj).message == (
        'Deployment in version "v1" cannot be handled as a Deployment: json: cannot unmarshal string into Go '
        'struct field ContainerPort.spec.template.spec.containers.ports.containerPort of type int32')


def test_type_error_wins_over_unknown_fields_and_the_first_one_is_kept():
    spec = {"ports": [{"port": "80", "nodePort": "x"}], "selectr": {}}
    assert decode_error(service(spec)) == (
        "json: cannot unmarshal string into Go struct field ServicePort.spec.ports.nodePort of type int32")


def test_quantities():
    ok = deployment({"resources": {"limits": {"cpu": "500m", "memory": "128Mi"}, "requests": {"cpu": 0.5}}})
    assert decode_error(ok) is None
    bad = deployment({"resources": {"limits": {"cpu": "abc"}}}, replicass=1)
    bad_format = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"
    assert decode_error(bad) == bad_format  # UnmarshalJSON's error: decoding stops, unknown fields are not listed
    assert decode_error(deployment({"resources": {"limits": {"memory": "1Gb"}}})) == bad_format
    assert decode_error(deployment({"resources": {"limits": {"memory": "5KM"}}})) == "unable to parse quantity's suffix"


def test_valid_objects_decode_including_status_and_int_or_string():
    svc = service({"type": "NodePort", "selector": {"app": "web"},
                   "ports": [{"name": "http", "port": 80, "targetPort": "http", "protocol": "TCP"},
                             {"port": 443, "targetPort": 8443, "nodePort": 30443}],
                   "sessionAffinityConfig": {"clientIP": {"timeoutSeconds": 10800}}},
                  status={"loadBalancer": {"ingress": [{"ip": "192.0.2.10"}]}})
    svc["metadata"].update({"creationTimestamp": None, "annotations": {"a": "b"},
                            "managedFields": [{"fieldsV1": {"f:spec": {}}, "manager": "kubectl"}]})
    before = copy.deepcopy(svc)
    strict_decode(svc)
    assert svc == before
    assert decode_error(service({"ports": [{"port": 80.0}]})) is None  # kubectl sends 80.0 as 80
    assert decode_error(deployment({}, strategy={"rollingUpdate": {"maxSurge": "25%", "maxUnavailable": 0}})) is None


def test_time_fields_must_be_strings():
    svc = service({})
    svc["metadata"]["creationTimestamp"] = 5
    assert decode_error(svc) == (
        "json: cannot unmarshal number into Go struct field ObjectMeta.metadata.creationTimestamp of type string")


def test_kinds_without_a_schema_are_not_checked():
    assert decode_error({"apiVersion": "example.com/v1", "kind": "Widget", "spec": {"x": 1}}) is None


def test_definition_names_and_go_type_names():
    assert definition_for("v1", "Service") == "io.k8s.api.core.v1.Service"
    assert definition_for("apps/v1", "Deployment") == "io.k8s.api.apps.v1.Deployment"
    assert definition_for("discovery.k8s.io/v1", "EndpointSlice") == "io.k8s.api.discovery.v1.EndpointSlice"
    assert go_type_name("io.k8s.api.core.v1.ServicePort") == "v1.ServicePort"
    assert go_type_name("io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta") == "v1.ObjectMeta"


def test_hundreds_of_strict_decodes_run():
    results = [decode_error(service({"ports": [{"port": 80 + i, "targetPort": 8080}], "selector": {"app": "web"}}))
               for i in range(300)]
    assert results == [None] * 300
    assert decode_error(service({"ports": [{"port": 80, "nodeport": 1}]})) == (
        'strict decoding error: unknown field "spec.ports[0].nodeport"')
