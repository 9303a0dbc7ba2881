"""Classrooms: an instructor's class of learners following chosen lessons, and its live dashboard."""
