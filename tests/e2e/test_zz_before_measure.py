import pytest
from playwright.sync_api import expect
pytestmark = pytest.mark.e2e

CLS_JS = """() => new Promise(resolve => { let total = 0;
 new PerformanceObserver(list => { for (const e of list.getEntries()) if (!e.hadRecentInput) total += e.value; })
   .observe({type: 'layout-shift', buffered: true});
 setTimeout(() => resolve(total), 1500); })"""

def test_before(live_server, county, phone):
    page = phone
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", {"offline": False, "latency": 150, "downloadThroughput": 200000, "uploadThroughput": 100000})
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": 4})
    page.goto(f"{live_server.url}/report/")
    page.wait_for_load_state("load")
    cls = page.evaluate(CLS_JS)
    taps = 0
    page.get_by_role("radio", name="No", exact=True).tap(); taps += 1
    page.get_by_role("radio", name="Bullying").tap(); taps += 1
    page.get_by_role("button", name="Next").tap(); taps += 1
    page.get_by_role("combobox", name="Which school?").tap(); taps += 1
    page.get_by_role("combobox", name="Which school?").select_option(value="none"); taps += 1
    page.get_by_role("button", name="Next").tap(); taps += 1
    page.get_by_role("textbox", name="What is happening?").tap(); taps += 1
    page.keyboard.type("A fight is planned at the bus loop.")
    page.get_by_role("button", name="Next").tap(); taps += 1
    page.get_by_role("button", name="Send report").tap(); taps += 1
    expect(page.get_by_role("heading", name="Your report was sent")).to_be_visible()
    height = page.evaluate("() => 0")
    print(f"\nBEFORE taps={taps} cls={cls:.3f}")
