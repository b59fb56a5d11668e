"""Every interface string, per locale, in one place (headings, status words, months)."""

from __future__ import annotations

from typing import Any

_EN: dict[str, Any] = {
    "months": ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"],
    "posted": "Posted {when}",
    "times_in": "Times in {zone}",
    "date_format": "{mon} {day:02d}, {year}",
    "stamp_format": "{date} - {time} {zone}",
    "report_for": "Incident Report for {company}",
    "affected": "This incident affected: {components}.",
    "and": "and",
    "site": {
        "month_names": ["January", "February", "March", "April", "May", "June", "July", "August", "September",
                        "October", "November", "December"],
        "month_heading": "{month} {year}", "history": "Incident history", "no_incidents": "No incidents reported.",
        "component_incidents": "Incidents affecting {component}", "all_incidents": "All incidents",
        "other_formats": "Other formats", "markdown": "Markdown", "pdf": "PDF report", "post": "Status-page post",
        "subscribe": "Subscribe", "atom": "Atom feed", "rss": "RSS feed", "api": "JSON API", "skip": "Skip to content",
        "feed_title": "{company} incident history", "component_feed_title": "{company}: incidents affecting {component}",
        "not_found_title": "Page not found", "not_found_body": "There is no page at this address.",
    },
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
        "components": "Components", "internal": "internal", "confidential": "Internal: do not forward",
    },
}

_DE: dict[str, Any] = {
    "months": ["Jan.", "Feb.", "März", "Apr.", "Mai", "Juni", "Juli", "Aug.", "Sep.", "Okt.", "Nov.", "Dez."],
    "posted": "Veröffentlicht {when}",
    "times_in": "Zeiten in {zone}",
    "date_format": "{day}. {mon} {year}",
    "stamp_format": "{date}, {time} {zone}",
    "report_for": "Störungsbericht für {company}",
    "affected": "Betroffen waren: {components}.",
    "and": "und",
    "site": {
        "month_names": ["Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September",
                        "Oktober", "November", "Dezember"],
        "month_heading": "{month} {year}", "history": "Störungsverlauf", "no_incidents": "Keine Störungen gemeldet.",
        "component_incidents": "Störungen von {component}", "all_incidents": "Alle Störungen",
        "other_formats": "Weitere Formate", "markdown": "Markdown", "pdf": "PDF-Bericht", "post": "Statusseiten-Beitrag",
        "subscribe": "Abonnieren", "atom": "Atom-Feed", "rss": "RSS-Feed", "api": "JSON-API", "skip": "Zum Inhalt springen",
        "feed_title": "Störungsverlauf von {company}", "component_feed_title": "{company}: Störungen von {component}",
        "not_found_title": "Seite nicht gefunden", "not_found_body": "Unter dieser Adresse gibt es keine Seite.",
    },
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
        "components": "Komponenten", "internal": "intern", "confidential": "Intern: nicht weiterleiten",
    },
}

_FR: dict[str, Any] = {
    "months": ["janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc."],
    "posted": "Publié {when}",
    "times_in": "Heures en {zone}",
    "date_format": "{day} {mon} {year}",
    "stamp_format": "{date} à {time} {zone}",
    "report_for": "Rapport d'incident pour {company}",
    "affected": "Cet incident a affecté : {components}.",
    "and": "et",
    "site": {
        "month_names": ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
                        "octobre", "novembre", "décembre"],
        "month_heading": "{month} {year}", "history": "Historique des incidents", "no_incidents": "Aucun incident signalé.",
        "component_incidents": "Incidents touchant {component}", "all_incidents": "Tous les incidents",
        "other_formats": "Autres formats", "markdown": "Markdown", "pdf": "Rapport PDF", "post": "Article de la page d'état",
        "subscribe": "S'abonner", "atom": "Flux Atom", "rss": "Flux RSS", "api": "API JSON", "skip": "Aller au contenu",
        "feed_title": "Historique des incidents de {company}", "component_feed_title": "{company} : incidents touchant {component}",
        "not_found_title": "Page introuvable", "not_found_body": "Il n'y a pas de page à cette adresse.",
    },
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
        "components": "Composants", "internal": "interne", "confidential": "Interne : ne pas diffuser",
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
