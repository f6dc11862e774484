"""Consultation with residents: demand surveys (需求征集), plan notices (方案公示) and satisfaction surveys
(满意度调查), with the open/close period logic they share.

Public to other features: `models`, `demands` and `surveys` (their results).
"""
