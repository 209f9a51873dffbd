"""Pretrained generator sets; installed as ``smrt_keras.zoo_data``.

Use them through :mod:`smrt_keras.zoo`.
"""
