"""Shared set-up of the classroom tests: an instructor with a classroom, a
learner in it with a lab on its lesson, another learner, another instructor."""
from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import User
from django.test import Client

from lab.accounts.roles import INSTRUCTOR, ensure_roles, make_learner
from lab.classrooms.models import Classroom, Membership
from lab.labs.models import Lab
from lab.labs.persistence import run_command

PASSWORD = "kube-proxy-rules-42"
LESSON = "service-intro"
#: the solution of service-intro's first step, run on its host
FIRST_STEP = ["cd ~/yaml && kubectl create -f pod_nginx.yml -f pod_busybox.yml",
              "kubectl wait --for=condition=Ready pod/nginx-pod pod/busybox-pod"]
HOST = "kube-node01"


def learner(username: str) -> User:
    user = User.objects.create_user(username, password=PASSWORD)
    make_learner(user)
    return user


def instructor(username: str) -> User:
    user = User.objects.create_user(username, password=PASSWORD)
    user.groups.add(ensure_roles()[INSTRUCTOR])
    return user


def client_for(user: User | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def lesson_lab(user: User, slug: str = LESSON) -> Lab:
    """The learner opens the lesson from their classroom page: their lab named after it."""
    assert client_for(user).get(f"/lab/{slug}/?lesson={slug}").status_code == 200
    return Lab.objects.get(user=user, name=slug)


def pass_first_step(lab: Lab) -> None:
    for line in FIRST_STEP:
        assert run_command(lab, line, HOST).status == 0


@dataclass
class Class:
    """tina teaches `classroom` (ann is in it, with her lab); otto teaches `other`
    (bob is in it, with his lab on the same lesson)."""

    tina: User
    otto: User
    ann: User
    bob: User
    classroom: Classroom
    other: Classroom
    ann_lab: Lab
    bob_lab: Lab


def make_class(with_labs: bool = True) -> Class:
    tina, otto = instructor("tina"), instructor("otto")
    ann, bob = learner("ann"), learner("bob")
    classroom = Classroom.objects.create(name="Services 101", instructor=tina, lessons=[LESSON], stuck_minutes=10)
    other = Classroom.objects.create(name="Other class", instructor=otto, lessons=[LESSON])
    Membership.objects.create(classroom=classroom, learner=ann)
    Membership.objects.create(classroom=other, learner=bob)
    ann_lab = lesson_lab(ann) if with_labs else None
    bob_lab = lesson_lab(bob) if with_labs else None
    return Class(tina, otto, ann, bob, classroom, other, ann_lab, bob_lab)
