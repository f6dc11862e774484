"""Complaints and repair requests (报修/投诉): tickets, departments, routing by the classifier, queries.

Public to other features: `models`, `queries` (counts and rates).
"""
