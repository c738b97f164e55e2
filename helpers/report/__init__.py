"""The report of an output folder, OUT/report/index.html: the page a reader opens first.

Headline numbers (our Table 1 beside the paper's, the honest estimate of notebook 06, the baselines), every figure in
the paper's order with a caption, links to every executed notebook (as HTML) and table, and the parameters. It uses
only the notebooks with a valid provenance record (helpers.pipeline.provenance), works offline from the folder (no
external resource), and says what is missing instead of failing when a notebook has not run.

What each figure and table shows is said beside the file, in the registry of outputs (helpers.outputs FILES: title,
caption, and a `notes` sentence made from the data at report time); `collect.report_content` builds the page's
content as plain data (`content`, with the numbers of `headline`); `render` writes it with the Jinja2 template in
templates/.

    python -m helpers.report OUT        (the pipeline calls build_report after every run_all.sh)
"""

from helpers.report.collect import report_content
from helpers.report.content import Report
from helpers.report.render import build_report, to_html

__all__ = ["Report", "build_report", "report_content", "to_html"]
