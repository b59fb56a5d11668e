"""``postmortem report``: the reliability review across incidents, for a period.

Stages, one module each: ``period`` (which days), ``gather`` (the validated catalog, public views
unless internal, placed in this period or the previous one), ``statistics`` (counts, response
times with medians, 90th percentiles and a bootstrap comparison), ``availability`` (per component,
under the policy of ``postmortem.yaml``), ``follow_through`` (action items, tags), ``provenance``
(source commit, build date), ``charts`` (SVG), ``document`` (everything a template sees) and
``render`` (Markdown, HTML, PDF).
"""
