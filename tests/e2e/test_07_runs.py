"""Scenario 7: the Runs page overlays two runs' curves on one comparison chart."""
from .helpers import MAIN, RUN_TITLE, train_run

NEEDS_TWO = "Comparing needs two runs"


def _compare_chart(lab) -> dict | None:
    """The chart under 'Compare runs': the Plotly chart whose legend groups are runs (named by their
    titles), with `runs`, the number of them. (The one-run chart below groups by curve instead.)"""
    for chart in lab.chart_traces():
        runs = [group for group in chart["groups"] if RUN_TITLE.fullmatch(group)]
        if runs:
            return dict(chart, runs=len(runs))
    return None


def test_07_runs_compare_two(lab):
    lab.open("Home")
    lab.goto("Runs")
    # Earlier scenarios leave runs behind; run alone, this one trains its own two (tiny) runs.
    trained = 0
    while NEEDS_TWO in lab.text() or "No saved runs yet" in lab.text():
        lab.check(trained < 2, "two trainings later, the Runs page still cannot compare", "no-runs")
        train_run(lab, epochs=1, batch_size=128, learning_rate=0.001 if trained == 0 else 0.003)
        trained += 1
        lab.goto("Runs")
    picker = lab.wait_for(lab.widget("compare_runs"), "the compare_runs multiselect")
    picker.scroll_into_view_if_needed()
    lab.shot("runs-page")

    chart = lab.wait_until(lambda: (c := _compare_chart(lab)) and c["runs"] >= 2 and c,
                           lambda: f"a comparison chart with two runs (charts: {lab.chart_traces()})", timeout=30)
    lab.check(chart["traces"] >= 2 and chart["legend"] >= 2,
              f"the comparison chart shows {chart['traces']} traces and {chart['legend']} legend entries", "chart")
    lab.page.locator(f"{MAIN} .js-plotly-plot").first.scroll_into_view_if_needed()
    lab.shot("compare-chart")
    lab.assert_healthy("compare-chart")

    # With a third run saved (the earlier scenarios leave three), add it in the multiselect: one more
    # run on the chart.
    if lab.add_to_multiselect("compare_runs"):
        lab.wait_until(lambda: (_compare_chart(lab) or {}).get("runs") == chart["runs"] + 1,
                       lambda: f"one more run on the chart after adding one (charts: {lab.chart_traces()})",
                       timeout=30)
        lab.page.locator(f"{MAIN} .js-plotly-plot").first.scroll_into_view_if_needed()
        lab.shot("compare-three")
