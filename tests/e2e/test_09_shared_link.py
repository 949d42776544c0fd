"""Scenario 9: a lab's address is shared (projected by the teacher, sent to a neighbour). Its owner
keeps their lab across a reload; someone else opening it in their own browser gets a lab of their
own, set up the same way, and nothing they do reaches the owner's lab."""
import re

from .helpers import MAIN


def _dataset(lab) -> str:
    found = re.search(r"(mnist-sample|fashion-sample)", lab.sidebar_text())
    return found[1] if found else lab.sidebar_text()


def _reload(lab) -> None:
    """Reload the tab (F5) and wait until the page and its sidebar are drawn again."""
    lab.page.reload(wait_until="domcontentloaded")
    lab.wait_for(lab.page.locator(f"{MAIN} h1").filter(has_text="Data"), "the Data page after a reload", timeout=60)
    lab.wait_until(lambda: "Working with" in lab.sidebar_text() and lab.script_state() == "notRunning",
                   "the page drawn again after a reload", timeout=60)


def test_09_shared_link_gives_a_lab_of_ones_own(lab, other_browser):
    lab.open("Data")
    owner = lab.lab_id
    lab.select("dataset_choice", re.compile(r"^Fashion-MNIST sample"))
    lab.check(_dataset(lab) == "fashion-sample", "the owner's lab did not switch to fashion-sample", "owner-choice")

    _reload(lab)  # the owner reloads: same lab, same choices
    lab.check(lab.address_lab() == owner, f"after a reload the owner's address names lab {lab.address_lab()}, "
              f"not their lab {owner}", "owner-reload")
    lab.check(_dataset(lab) == "fashion-sample", "after a reload the owner's lab forgot fashion-sample", "owner-reload")
    lab.shot("owner-after-reload")

    other_browser.lab_id = owner  # the shared address, opened in another browser
    other_browser.open("Data")
    mine = other_browser.wait_until(lambda: other_browser.address_lab() != owner and other_browser.address_lab(),
                                    "the address to name the newcomer's own lab", timeout=20)
    other_browser.shot("newcomer-opened-the-link")
    other_browser.check("someone else's lab" in other_browser.text(), "no notice that this is a lab of one's own",
                        "notice")
    other_browser.check(owner not in other_browser.text(), "the owner's lab id is shown to the newcomer", "no-id")
    other_browser.check(_dataset(other_browser) == "fashion-sample",
                        "the newcomer's lab is not set up like the shared one (fashion-sample)", "copied-setup")

    other_browser.lab_id = mine
    other_browser.select("dataset_choice", re.compile(r"^MNIST sample"))
    other_browser.check(_dataset(other_browser) == "mnist-sample", "the newcomer could not change their own lab",
                        "newcomer-change")
    _reload(lab)
    lab.shot("owner-after-the-newcomer-changed-theirs")
    lab.check(lab.address_lab() == owner and _dataset(lab) == "fashion-sample",
              "the newcomer's change reached the owner's lab", "owner-untouched")
    lab.assert_healthy("owner-untouched")
