"""The household register (一区一档): street → community → estate → building → unit → flat → owner.

Public to other features: `models`, `lookup` (flats by code), `scope` (which estates a user may see),
`privacy` (masked names and phones). The rest (`sheet`, `operations`, `eligibility`) is for web/ and bot/.
"""
