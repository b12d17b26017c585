"""Russian for the reports' own words: titles, descriptions, column labels, filter messages.

Template text around them goes through the portal's Flask-Babel ``_()``; these strings are
data (they also head CSV and XLSX columns in English), so the pages translate them with the
``report_text`` filter, which never applies ``%`` formatting ("Share %").
"""

from __future__ import annotations

__all__ = ["RU", "translate"]

RU: dict[str, str] = {
    # report titles and descriptions
    "Tickets per period": "Заявки по периодам",
    "Tickets created per day, week or month.": "Заявки, созданные за день, неделю или месяц.",
    "Weekday × hour": "День недели × час",
    "When requests arrive: a heat map of weekday and hour.":
        "Когда приходят заявки: тепловая карта по дням недели и часам.",
    "Per department": "По отделам", "Tickets per department.": "Заявки по отделам.",
    "Per catalog item": "По пунктам каталога",
    "Tickets per catalog item (category).": "Заявки по пунктам каталога (категориям).",
    "Per store": "По магазинам", "Tickets per store.": "Заявки по магазинам.",
    "Recurring problems": "Повторяющиеся проблемы",
    "Store and item pairs well above the chain average.":
        "Магазины и пункты каталога заметно выше среднего по сети.",
    "Per asset": "По оборудованию",
    "Tickets per serial number or asset model from the request forms.":
        "Заявки по серийным номерам и моделям оборудования из форм заявок.",
    "Tickets per asset": "Заявки по оборудованию",
    "Serial number / model": "Серийный номер / модель",
    "Form field": "Поле формы",
    "First ticket": "Первая заявка",
    "Latest ticket": "Последняя заявка",
    "Counts tickets filed through the portal whose form has a serial number or asset model "
    "field; e-mail tickets have no form values.":
        "Учтены заявки из портала, в форме которых есть серийный номер или модель "
        "оборудования; у заявок из почты значений формы нет.",
    "Open backlog": "Открытые заявки",
    "Open tickets by age and department, overdue ones counted.":
        "Открытые заявки по возрасту и отделам, с учётом просроченных.",
    "SLA per item": "SLA по пунктам каталога",
    "Deadlines met and missed per catalog item.":
        "Соблюдённые и нарушенные сроки по пунктам каталога.",
    "SLA per store": "SLA по магазинам",
    "Deadlines met and missed per store.": "Соблюдённые и нарушенные сроки по магазинам.",
    "SLA per owner": "SLA по исполнителям",
    "Deadlines met and missed per ticket owner.":
        "Соблюдённые и нарушенные сроки по исполнителям.",
    "Contract penalties": "Штрафы по договорам",
    "What missed deadlines cost under the configured contracts.":
        "Во что обходятся нарушенные сроки по настроенным договорам.",
    "Tickets per day": "Заявки по дням", "Tickets per week": "Заявки по неделям",
    "Tickets per month": "Заявки по месяцам",
    "Tickets by weekday and hour": "Заявки по дням недели и часам",
    "Tickets per catalog item": "Заявки по пунктам каталога",
    "Tickets per store": "Заявки по магазинам",
    "Recurring problems by store": "Повторяющиеся проблемы по магазинам",
    "Open backlog by age": "Открытые заявки по возрасту",
    "SLA compliance per catalog item": "Соблюдение SLA по пунктам каталога",
    "SLA compliance per store": "Соблюдение SLA по магазинам",
    "SLA compliance per owner": "Соблюдение SLA по исполнителям",
    # column labels
    "Period": "Период", "Starts on": "Начало", "Tickets": "Заявки", "Weekday": "День недели",
    "Total": "Всего", "Catalog item id": "Код пункта", "Catalog item": "Пункт каталога",
    "Department": "Отдел", "Department id": "Код отдела", "Open": "Открыто",
    "Share %": "Доля, %", "Store id": "Код магазина", "Store": "Магазин",
    "Expected": "Ожидалось", "Times the average": "Раз выше среднего",
    "Per week": "В неделю", "under 1 day": "до 1 дня", "1–3 days": "1–3 дня",
    "3–7 days": "3–7 дней", "7–30 days": "7–30 дней", "over 30 days": "более 30 дней",
    "Overdue": "Просрочено", "Oldest (days)": "Самая старая (дней)", "Key": "Код",
    "Name": "Название", "Response met": "Реакция в срок",
    "Response missed": "Реакция с опозданием", "Response met %": "Реакция в срок, %",
    "Median response (min)": "Медиана реакции (мин)",
    "90th pct response (min)": "90-й процентиль реакции (мин)",
    "Solution met": "Решено в срок", "Solution missed": "Решено с опозданием",
    "Solution met %": "Решено в срок, %", "Median solution (min)": "Медиана решения (мин)",
    "90th pct solution (min)": "90-й процентиль решения (мин)", "Rule id": "Код правила",
    "Contract": "Договор", "Month": "Месяц", "Deadlines due": "Сроков наступило",
    "Missed": "Нарушено", "Hours late": "Часов опоздания", "Before cap": "До ограничения",
    "Penalty": "Штраф", "Currency": "Валюта", "Monday": "Понедельник", "Tuesday": "Вторник",
    "Wednesday": "Среда", "Thursday": "Четверг", "Friday": "Пятница", "Saturday": "Суббота",
    "Sunday": "Воскресенье",
    # page text
    "All": "Все", "All reports": "Все отчёты", "Apply": "Применить", "Chart of": "Диаграмма:",
    "Download:": "Скачать:", "Figures of your company only:": "Только данные вашей компании:",
    "Filters": "Фильтры", "From": "С", "To": "По", "Log in": "Войти", "Log out": "Выйти",
    "No tickets match these filters.": "Нет заявок, подходящих под фильтры.",
    "Per": "По", "day": "дням", "week": "неделям", "month": "месяцам",
    "Please correct the filters above.": "Исправьте фильтры выше.", "Reports": "Отчёты",
    "Reports are open to help desk agents and to the managers of each company. Ask your "
    "administrator if you should see them.":
        "Отчёты доступны агентам службы поддержки и руководителям компаний. Если они нужны "
        "вам, обратитесь к администратору.",
    "Reports: agent login": "Отчёты: вход для агентов",
    "Store managers log in on the": "Руководители магазинов входят на",
    "customer login page": "странице входа для клиентов", "no value": "нет значения",
    "the same figures are in the table": "те же данные приведены в таблице",
    "Agent login": "Логин агента", "Password": "Пароль",
    "Too many attempts. Please wait a few minutes and try again.":
        "Слишком много попыток. Подождите несколько минут и попробуйте снова.",
    "The login or the password is not right, or the account may not see reports.":
        "Неверный логин или пароль, или у этой учётной записи нет доступа к отчётам.",
    # filter messages
    "Enter a date as YYYY-MM-DD.": "Введите дату в виде ГГГГ-ММ-ДД.",
    "Enter a date from 1970-01-01 to 2199-12-31.": "Введите дату от 1970-01-01 до 2199-12-31.",
    "The end date must not be before the start date.":
        "Дата окончания не может быть раньше даты начала.",
    "Choose a department from the list.": "Выберите отдел из списка.",
    "Choose a store from the list.": "Выберите магазин из списка.",
    "Choose day, week or month.": "Выберите день, неделю или месяц.",
}


def translate(text: str, language: str) -> str:
    """``text`` in ``language`` (``ru``), or unchanged when there is no translation."""
    if language == "ru":
        return RU.get(text, text)
    return text
