"""The per-class quality report of synthetic data: is it faithful, does it
copy, does it help (:func:`quality_report`, :class:`QualityReport`).

Modules: :mod:`~smrt_keras.report.metrics` (fidelity metrics),
:mod:`~smrt_keras.report.distances` (chunked DCR and border share),
:mod:`~smrt_keras.report.efficacy` (the cross-validated comparison),
:mod:`~smrt_keras.report.build` (the report's steps),
:mod:`~smrt_keras.report.result` (the reading API) and
:mod:`~smrt_keras.report.page` (the HTML page and its pictures).
"""

from __future__ import annotations

from smrt_keras.report.build import quality_report
from smrt_keras.report.result import QualityReport

__all__ = ["QualityReport", "quality_report"]
