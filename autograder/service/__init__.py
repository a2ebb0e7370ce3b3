"""The grade-on-submission service: submissions received, queued, graded and counted.

It sits above ``autograder.course``: the course pipeline grades, this package decides
when and what. Its state lives in ``<course>/service/`` (see ``database``).
"""
