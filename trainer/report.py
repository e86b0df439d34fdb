"""A printable HTML scorecard with the transcript (for download)."""

from __future__ import annotations

from html import escape

from .i18n import t


def voice_summary(audio: dict, lang: str = "zh") -> str:
    """How a spoken line sounded, in one line (the app and the printable card)."""
    return t("voice_metrics_line", lang, rate=audio.get("speech_rate", "-"), loudness=audio.get("loudness", "-"),
             pitch=audio.get("pitch_variation", "-"))


def scorecard_html(export: dict, lang: str = "zh") -> str:
    card = export["scorecard"]
    verdict = t("result_passed" if card["passed"] else "result_failed", lang)
    rows = "".join(
        f"<tr class='{'ok' if it['passed'] else 'miss'}'><td>{'✓' if it['passed'] else '✗'}</td>"
        f"<td>{escape(it['title'])}</td><td>{escape(it['section'])}</td><td>{it['weight']}</td>"
        f"<td>{escape(t('turn_n', lang, n=it['evidence_turn'])) if it['evidence_turn'] else ''}</td>"
        f"<td>{escape(it['tip']) if not it['passed'] else ''}</td></tr>"
        for it in card["items"] if it["applicable"]
    )
    def spoken(turn: dict) -> str:
        a = turn.get("audio")
        if not a:
            return ""
        return "<br><small>" + escape(voice_summary(a, lang)) + "</small>"

    lines = "".join(
        f"<p><b>{escape(t('agent', lang))} {i}</b>：{escape(turn['agent'])}{spoken(turn)}<br>"
        f"<b>{escape(t('customer', lang))}</b>：{escape(turn['customer'])}</p>"
        for i, turn in enumerate(export["turns"], 1)
    )
    opening = f"<p><b>{escape(t('customer', lang))}</b>：{escape(export['opening'])}</p>" if export.get("opening") else ""
    fixes = "".join(
        f"<li><b>{escape(f['title'])}</b>：{escape(f['tip'])}<br>{escape(t('model', lang))}：{escape(f['model'])}</li>"
        for f in card["fixes"]
    )
    return f"""<!doctype html><html lang="{lang}"><head><meta charset="utf-8">
<title>{escape(t('app_title', lang))} · {escape(export['lesson'])}</title>
<style>body{{font-family:sans-serif;max-width:50em;margin:2em auto}}td{{padding:.2em .5em;border-bottom:1px solid #ddd}}
.miss td{{color:#a00}}@media print{{button{{display:none}}}}</style></head><body>
<h1>{escape(t('app_title', lang))}：{escape(export['lesson'])}</h1>
<p>{escape(t('score', lang))} <b>{card['score']}</b> / 100 · {escape(t('pass_mark', lang))} {card['pass_mark']} ·
<b>{escape(verdict)}</b> · {escape(t('outcome', lang))} {escape(str(export['outcome']))}</p>
<h2>{escape(t('fixes', lang))}</h2><ul>{fixes}</ul>
<h2>{escape(t('all_items', lang))}</h2><table>{rows}</table>
<h2>{escape(t('nav_call', lang))}</h2>{opening}{lines}
</body></html>"""
