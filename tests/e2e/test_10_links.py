"""Scenario 10: the teacher prepares a set-up, hides two controls and copies the link for the class; a
student opening it in another browser gets a fresh lab with exactly that set-up and the controls
hidden; the same link in projector mode at 1920x1080; and a link to a lesson step."""
from .helpers import SIDEBAR


def share_popover(lab):
    """Open the sidebar's share popover; its content is built by the rerun that opening it starts."""
    lab.page.locator(".st-key-share_popover button").first.click()
    lab.wait_for(lab.widget("share_hide"), "the share popover's controls", timeout=60)
    lab.wait_idle()
    return lab.wait_for(lab.page.locator('[data-testid="stPopoverBody"]'), "the share popover")


def close_popover(lab) -> None:
    lab.page.keyboard.press("Escape")
    lab.wait_until(lambda: not lab.page.locator('[data-testid="stPopoverBody"]').count(), "the popover closed")
    lab.wait_idle()


def pick_in_multiselect(lab, key: str, option: str) -> None:
    # Not the shared _open_list: its Escape between tries would close the popover as well.
    options = lab.page.locator('[role="listbox"] [role="option"]')
    for _ in range(5):
        if not lab.widget(key).count() or not lab.widget(key).first.is_visible():
            share_popover(lab)  # the popover closed: reopen it
        box = lab.wait_for(lab.widget(key), f"the {key} multiselect")
        box.locator('button[aria-haspopup="listbox"]').first.click()
        try:
            options.first.wait_for(timeout=3000)
            break
        except Exception:
            lab.wait_idle()  # the click landed during a rerun: try again
    else:
        lab.fail(f"the {key} list did not open", f"{key}-list")
    lab.page.locator('[role="listbox"] [role="option"]').filter(has_text=option).first.click()
    # Close the list by clicking the popover's own text: Escape would close the popover too.
    lab.page.locator('[data-testid="stPopoverBody"]').get_by_text("A link that opens").click()
    lab.wait_idle()


def shown_link(lab, within) -> str:
    return within.locator("code").first.inner_text().replace("\n", "").strip()


def sidebar_open(lab) -> bool:
    box = lab.page.locator(SIDEBAR).first.bounding_box()
    return box is not None and box["width"] > 50 and box["x"] + box["width"] > 10


def test_10_teacher_link_hidden_controls_and_projector(lab, another_lab):
    teacher = lab
    teacher.page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    teacher.open("Model")
    teacher.select("preset_choice", "(fast-cnn)")
    teacher.goto("Train")
    teacher.type_number("epochs_input", 2)
    teacher.type_number("learning_rate_input", 0.002)
    popover = share_popover(teacher)
    pick_in_multiselect(teacher, "share_hide", "optimizer")
    pick_in_multiselect(teacher, "share_hide", "seed")
    if not teacher.page.locator('[data-testid="stPopoverBody"]').count():
        popover = share_popover(teacher)
    url = shown_link(teacher, popover)
    teacher.check("arch=fast-cnn" in url and "epochs=2" in url and "optimizer_hide=1" in url and "seed_hide=1" in url
                  and "lab=" not in url, f"the link does not carry the set-up (or leaks the lab): {url}", "link")
    teacher.check(popover.locator("img").count() >= 1, "no QR code in the share popover", "qr")
    popover.get_by_text("Copy link for the class").click()
    teacher.wait_until(lambda: teacher.page.evaluate("navigator.clipboard.readText()") == url,
                       "the link copied to the clipboard", timeout=10)
    teacher.shot("share-popover")
    close_popover(teacher)
    teacher.check(teacher.widget("epochs_input").locator("input").input_value() == "2",
                  "the teacher's own settings changed while sharing", "teacher-settings")

    student = another_lab("student")
    student.page.goto(url, wait_until="domcontentloaded")
    student._wait_for_page("Train", 60)
    student.wait_until(lambda: "opened with your teacher's set-up" in student.text(), "the link's notice")
    student.check("lab=" in student.page.url and "arch=" not in student.page.url,
                  f"the student's address should be their own lab only: {student.page.url}", "address")
    student.check(not student.widget("optimizer_input").count() and not student.widget("seed_input").count(),
                  "the hidden controls are shown to the student", "hidden")
    student.check(student.widget("epochs_input").locator("input").input_value() == "2"
                  and student.widget("learning_rate_input").locator("input").input_value() == "0.002",
                  "the student's settings differ from the teacher's", "settings")
    student.check("fast-cnn" in student.sidebar_text() and student.page.url.split("lab=")[1] not in teacher.page.url,
                  "the student is not in a fresh lab with the teacher's network", "lab")
    student.shot("student-set-up")
    student.page.reload()
    student._wait_for_page("Train", 60)
    student.check(not student.widget("optimizer_input").count(), "the hidden control came back after a reload")
    student.assert_healthy("student")

    projector = another_lab("projector", viewport={"width": 1920, "height": 1080})
    projector.page.goto(url + "&projector=1", wait_until="domcontentloaded")
    projector._wait_for_page("Train", 60)
    projector.wait_for(projector.widget("leave_projector"), "the projector-mode button")
    projector.wait_until(lambda: not sidebar_open(projector), "the sidebar collapsed in projector mode")
    projector.check(not projector.widget("optimizer_input").count(), "hidden controls shown in projector mode")
    zoom = projector.page.evaluate("getComputedStyle(document.querySelector('[data-testid=\"stMainBlockContainer\"]')).zoom")  # noqa: E501
    projector.check(float(zoom) > 1.2, f"projector mode did not enlarge the page (zoom {zoom})", "zoom")
    projector.shot("projector-1920")
    projector.widget("train_button").scroll_into_view_if_needed()
    projector.shot("projector-1920-settings")
    projector.assert_healthy("projector")
    # Out of projector mode and into it again from the sidebar: the sidebar folds away the second time too.
    projector.click("leave_projector")
    projector.wait_until(lambda: sidebar_open(projector), "the sidebar back after leaving projector mode")
    projector.widget("projector_toggle").locator("label").first.click()
    projector.wait_for(projector.widget("leave_projector"), "projector mode on again from the sidebar")
    projector.wait_until(lambda: not sidebar_open(projector), "the sidebar folded away the second time", timeout=30)
    projector.shot("projector-again")

    # A lesson step, shared from the Lessons page.
    teacher.goto("Lessons")
    teacher.select("lesson_choice", "3. Overfitting")
    teacher.page.get_by_text("Share this step with the class").click()
    teacher.wait_idle()
    step_url = shown_link(teacher, teacher.page.locator('[data-testid="stExpanderDetails"]').filter(
        has_text="Copy link for the class"))
    teacher.check(step_url.endswith("/lessons?lesson=overfitting&step=1"), f"the step's link is {step_url}")
    pupil = another_lab("pupil")
    pupil.page.goto(step_url, wait_until="domcontentloaded")
    pupil._wait_for_page("Lessons", 60)
    pupil.wait_until(lambda: "Step 1: Make it memorise" in pupil.text(), "the shared step opened")
    pupil.check("Lesson: Overfitting, step 1 of 3" in pupil.sidebar_text(), "the sidebar does not show the step")
    pupil.shot("lesson-step-link")
    pupil.assert_healthy("lesson-step")
