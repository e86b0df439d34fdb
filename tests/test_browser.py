"""End to end in a real browser: Playwright drives Debian's chromium against the
app started on 127.0.0.1. Waits are on DOM conditions, never fixed sleeps."""

import re

import pytest
from playwright.sync_api import expect, sync_playwright

from browser import ROOT, CallPage, app_server, launch, sign_in_token
from trainer.lesson import default_library

LIB = default_library()
ARTIFACTS = ROOT / "artifacts"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    data = tmp_path_factory.mktemp("data")
    with app_server(data) as url:
        yield url, data


@pytest.fixture
def browser_page(server):
    with sync_playwright() as p:
        browser = launch(p)
        context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
        yield context.new_page()
        browser.close()


@pytest.fixture
def page(server, browser_page):
    url, data = server
    return CallPage(browser_page, url, sign_in_token(data))


def test_sign_in_with_the_form(server, browser_page):
    url, data = server
    sign_in_token(data, "学员乙")  # the account exists; sign in by typing
    browser_page.goto(url)
    browser_page.get_by_label("账号名").first.fill("学员乙")
    browser_page.get_by_label("密码").first.fill("password1")
    browser_page.get_by_role("button", name="登录").first.click()
    expect(browser_page.locator(".st-key-open-rushed button")).to_be_visible()
    expect(browser_page.get_by_text("已登录： 学员乙")).to_be_visible()


def test_complainer_lesson_played_to_success_by_typing(page):
    ARTIFACTS.mkdir(exist_ok=True)
    page.open_lesson("complainer")
    expect(page.page.get_by_text("来电：王建国")).to_have_count(0)  # the banner gave way to the call
    turns = LIB.lesson("complainer").model_call.turns
    for i, line in enumerate(turns):
        page.say(line)
        if i == 3:
            page.page.screenshot(path=str(ARTIFACTS / "call.png"), full_page=True)
    expect(page.page.get_by_text("客户已挂机")).to_be_visible()
    page.page.locator(".st-key-to-card button").click()
    score = page.page.locator('[data-testid="stMetric"]', has_text="得分").locator('[data-testid="stMetricValue"]')
    expect(score).to_be_visible()
    assert int(score.inner_text()) >= 90
    expect(page.page.get_by_text("通过", exact=True)).to_be_visible()
    expect(page.page.get_by_text("做得好的（赞）")).to_be_visible()
    page.page.screenshot(path=str(ARTIFACTS / "scorecard.png"), full_page=True)


def test_rushed_call_that_fails(page):
    page.open_lesson("rushed")
    expect(page.messages()).to_have_count(1)  # she picks up: 喂？
    for line in LIB.lesson("rushed").poor_call.turns:
        page.say(line)  # the last line makes her hang up
    expect(page.page.get_by_text("客户已挂机")).to_be_visible()
    expect(page.page.locator('[data-testid="stChatInputTextArea"]')).to_have_count(0)
    page.page.locator(".st-key-to-card button").click()
    expect(page.page.get_by_text("未通过", exact=True)).to_be_visible()


def test_reload_mid_call_keeps_the_call(page):
    page.open_lesson("complainer")
    page.say("您好，我是宽带客服小李，请问有什么可以帮您？")
    page.page.reload()
    expect(page.messages()).to_have_count(2)
    expect(page.messages().first).to_contain_text("宽带客服小李")
    page.say("王先生，真的很抱歉，我理解您的心情。")
    expect(page.messages()).to_have_count(4)


def test_a_line_spoken_into_the_microphone_is_recognized_sent_and_answered_aloud(server, tmp_path):
    """Chromium's fake microphone plays an espeak-ng WAV into `st.audio_input`."""
    from voicekit import spoken

    url, data = server
    line = tmp_path / "line.wav"
    line.write_bytes(spoken("您好，请问有什么可以帮您？"))
    token = sign_in_token(data, "学员丙")
    with sync_playwright() as p:
        browser = launch(p, "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
                         f"--use-file-for-fake-audio-capture={line}%noloop",
                         "--autoplay-policy=no-user-gesture-required")
        context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN",
                                      permissions=["microphone"])
        page = context.new_page()
        page.goto(f"{url}/?t={token}&voice=1")
        page.locator(".st-key-open-complainer button").click()
        page.locator(".st-key-start button").click()
        page.locator(".st-key-pickup button").click()
        page.get_by_role("button", name="Record").click()
        # the fake microphone plays the file once; stop when it has been captured
        expect(page.locator('[data-testid="stAudioInputWaveformTimeCode"]')).to_have_text("00:05", timeout=15_000)
        page.get_by_role("button", name="Stop recording").click()
        heard = page.locator('[data-testid="stTextInput"] input')
        expect(heard).to_have_value(re.compile("请问有什么可以帮您"), timeout=60_000)
        page.locator('[class*="st-key-send-"] button').click()
        messages = page.locator('[data-testid="stChatMessage"]')
        expect(messages).to_have_count(2, timeout=30_000)
        expect(messages.nth(0)).to_contain_text("请问有什么可以帮您")
        expect(messages.nth(0)).to_contain_text("dBFS")  # how it sounded, under the line
        expect(page.locator('audio[data-testid="stAudio"]')).to_have_count(1)
        # the customer's reply plays by itself
        page.wait_for_function(
            "() => { const a = document.querySelector('audio[data-testid=\"stAudio\"]'); return a && a.currentTime > 0; }",
            timeout=15_000)
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "voice.png"), full_page=True)
        browser.close()
