"""Every interface string, per locale, in one place (headings, status words, months)."""

from __future__ import annotations

from typing import Any

_EN: dict[str, Any] = {
    "months": ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"],
    "posted": "Posted {when}",
    "report_for": "Incident Report for {company}",
    "affected": "This incident affected: {components}.",
    "and": "and",
    "headings": {
        "summary": "Summary of impact", "root_cause": "Root Cause", "mitigation": "Mitigation timeline",
        "next_steps": "Next Steps", "action_items": "Action items", "lessons_learned": "Lessons learned",
        "updates": "Updates", "internal_notes": "Internal notes", "impact_windows": "Impact windows",
        "overview": "Overview", "notes": "Notes",
    },
    "statuses": {
        "investigating": "Investigating", "identified": "Identified", "update": "Update",
        "monitoring": "Monitoring", "resolved": "Resolved", "postmortem": "Postmortem",
        "scheduled": "Scheduled", "in_progress": "In progress", "verifying": "Verifying", "completed": "Completed",
        "mitigated": "Mitigated", "open": "Open", "done": "Done", "wont_do": "Won't do",
    },
    "impacts": {"none": "None", "minor": "Minor", "major": "Major", "critical": "Critical", "maintenance": "Maintenance"},
    "fields": {
        "company": "Company", "impact": "Impact", "severity": "Severity", "status": "Status",
        "started": "Impact started", "detected": "Detected", "mitigated": "Mitigated", "resolved": "Resolved",
        "duration": "Duration", "time_to_detect": "Time to detect", "time_to_mitigate": "Time to mitigate",
        "time_to_resolve": "Time to resolve", "window": "Impact window", "ongoing": "ongoing",
        "time": "Time", "event": "Event", "action": "Action", "owner": "Owner", "due": "Due", "ticket": "Ticket",
        "page": "Page", "of": "of", "root_cause_pending": "Root cause still under investigation.",
        "components": "Components",
    },
}

_DE: dict[str, Any] = {
    "months": ["Jan.", "Feb.", "März", "Apr.", "Mai", "Juni", "Juli", "Aug.", "Sep.", "Okt.", "Nov.", "Dez."],
    "posted": "Veröffentlicht {when}",
    "report_for": "Störungsbericht für {company}",
    "affected": "Betroffen waren: {components}.",
    "and": "und",
    "headings": {
        "summary": "Zusammenfassung der Auswirkungen", "root_cause": "Ursache", "mitigation": "Ablauf der Behebung",
        "next_steps": "Nächste Schritte", "action_items": "Maßnahmen", "lessons_learned": "Erkenntnisse",
        "updates": "Meldungen", "internal_notes": "Interne Notizen", "impact_windows": "Zeiträume der Auswirkung",
        "overview": "Überblick", "notes": "Notizen",
    },
    "statuses": {
        "investigating": "Untersuchung", "identified": "Ursache erkannt", "update": "Aktualisierung",
        "monitoring": "Beobachtung", "resolved": "Behoben", "postmortem": "Nachbetrachtung",
        "scheduled": "Geplant", "in_progress": "In Arbeit", "verifying": "Überprüfung", "completed": "Abgeschlossen",
        "mitigated": "Eingedämmt", "open": "Offen", "done": "Erledigt", "wont_do": "Verworfen",
    },
    "impacts": {"none": "Keine", "minor": "Gering", "major": "Erheblich", "critical": "Kritisch", "maintenance": "Wartung"},
    "fields": {
        "company": "Unternehmen", "impact": "Auswirkung", "severity": "Schweregrad", "status": "Status",
        "started": "Beginn der Auswirkung", "detected": "Erkannt", "mitigated": "Eingedämmt", "resolved": "Behoben",
        "duration": "Dauer", "time_to_detect": "Zeit bis zur Erkennung", "time_to_mitigate": "Zeit bis zur Eindämmung",
        "time_to_resolve": "Zeit bis zur Behebung", "window": "Zeitraum", "ongoing": "andauernd",
        "time": "Zeit", "event": "Ereignis", "action": "Maßnahme", "owner": "Verantwortlich", "due": "Fällig",
        "ticket": "Ticket", "page": "Seite", "of": "von", "root_cause_pending": "Die Ursache wird noch untersucht.",
        "components": "Komponenten",
    },
}

_FR: dict[str, Any] = {
    "months": ["janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc."],
    "posted": "Publié {when}",
    "report_for": "Rapport d'incident pour {company}",
    "affected": "Cet incident a affecté : {components}.",
    "and": "et",
    "headings": {
        "summary": "Résumé de l'impact", "root_cause": "Cause racine", "mitigation": "Chronologie de la résolution",
        "next_steps": "Prochaines étapes", "action_items": "Actions", "lessons_learned": "Enseignements",
        "updates": "Mises à jour", "internal_notes": "Notes internes", "impact_windows": "Périodes d'impact",
        "overview": "Vue d'ensemble", "notes": "Notes",
    },
    "statuses": {
        "investigating": "Analyse en cours", "identified": "Cause identifiée", "update": "Mise à jour",
        "monitoring": "Surveillance", "resolved": "Résolu", "postmortem": "Post-mortem",
        "scheduled": "Planifié", "in_progress": "En cours", "verifying": "Vérification", "completed": "Terminé",
        "mitigated": "Atténué", "open": "Ouvert", "done": "Fait", "wont_do": "Abandonné",
    },
    "impacts": {"none": "Aucun", "minor": "Mineur", "major": "Majeur", "critical": "Critique", "maintenance": "Maintenance"},
    "fields": {
        "company": "Entreprise", "impact": "Impact", "severity": "Gravité", "status": "Statut",
        "started": "Début de l'impact", "detected": "Détecté", "mitigated": "Atténué", "resolved": "Résolu",
        "duration": "Durée", "time_to_detect": "Délai de détection", "time_to_mitigate": "Délai d'atténuation",
        "time_to_resolve": "Délai de résolution", "window": "Période", "ongoing": "en cours",
        "time": "Heure", "event": "Événement", "action": "Action", "owner": "Responsable", "due": "Échéance",
        "ticket": "Ticket", "page": "Page", "of": "sur", "root_cause_pending": "La cause racine est encore à l'étude.",
        "components": "Composants",
    },
}

LOCALES: dict[str, dict[str, Any]] = {"en": _EN, "de": _DE, "fr": _FR}


def strings(locale: str, overrides: dict[str, dict[str, str]] | None = None) -> dict[str, Any]:
    """The strings of ``locale`` with the site's label overrides applied."""
    base = LOCALES[locale]
    merged = {**base, "headings": dict(base["headings"]), "statuses": dict(base["statuses"])}
    for group, values in (overrides or {}).items():
        merged[group].update(values)
    return merged
