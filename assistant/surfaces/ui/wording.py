"""Interface wording in both languages, and the short messages every part of the UI shows."""
from __future__ import annotations

from ingest.load import SUPPORTED_SUFFIXES

ERROR_MESSAGE = "出错了，请重试 / Something went wrong, please try again."
THINKING = "正在检索文件… / Searching the documents…"
STOPPED = "⏹ 已停止 / Stopped."
QUEUED = "⏳ 已排队：当前回答结束后提问 / Queued: asked when this answer ends."
ASK_FIRST = "请先提问 / Ask a question first."
FEEDBACK_SAVED = "已记录反馈，谢谢！/ Feedback saved, thank you."
SOURCE_HINT = ('<div class="source-hint">点击答案中的 [n] 或上方的来源，查看原文。<br>'
               'Click a [n] in the answer, or a source above, to see the passage.</div>')
OFFLINE_BADGE = "离线抽取 / Offline extractive"
EXAMPLE_QUESTIONS = [
    "郴州市老年人科学素质提升行动由哪些单位牵头？",
    "Which agencies lead the elderly action in Chenzhou?",
    "湘江新区到2025年公民具备科学素质的比例目标是多少？",
    "中方县的重点工程有哪些？",
    "Compare the 2025 science literacy targets of Chenzhou and Zhongfang",
]
LANGUAGES = ["中文", "English"]

# Interface wording: key -> (Chinese, English).
TEXT = {
    "title": ("## 湖南科普政策问答助手", "## Hunan Science-Popularization Policy Assistant"),
    "subtitle": ("回答均引自政策文件原文，点击 [n] 查看出处。",
                 "Answers quote the policy documents; click a [n] to see where."),
    "tab_chat": ("对话", "Chat"),
    "tab_records": ("责任分工", "Responsibilities"),
    "tab_targets": ("目标指标", "Targets"),
    "tab_documents": ("文件", "Documents"),
    "chatbot": ("对话", "Conversation"),
    "question": ("问题", "Question"),
    "question_placeholder": ("例如：郴州市老年人科学素质提升行动由哪些单位牵头？",
                             "e.g. Which agencies lead the elderly action in Chenzhou?"),
    "send": ("提问", "Ask"),
    "clear": ("清空对话", "Clear conversation"),
    "examples": ("**示例问题**", "**Example questions**"),
    "filter_documents": ("按文件筛选", "Filter by document"),
    "filter_jurisdictions": ("按地区筛选", "Filter by jurisdiction"),
    "sources": ("来源", "Sources"),
    "passages": ("检索到的段落及得分", "Retrieved passages and scores"),
    "feedback_title": ("**这个回答有帮助吗？**", "**Was this answer helpful?**"),
    "feedback_comment": ("意见（可选）", "Comment (optional)"),
    "thumbs_up": ("✔ 有帮助", "✔ Helpful"),
    "thumbs_down": ("✘ 没帮助", "✘ Not helpful"),
    "export": ("导出简报", "Export briefing"),
    "download_markdown": ("下载 Markdown", "Download Markdown"),
    "download_docx": ("下载 Word (DOCX)", "Download Word (DOCX)"),
    "record_document": ("文件", "Document"),
    "record_agency": ("单位名称包含", "Agency name contains"),
    "records_table": ("责任分工", "Responsibilities"),
    "download_csv": ("下载 CSV", "Download CSV"),
    "target_jurisdictions": ("地区", "Jurisdictions"),
    "targets_table": ("目标指标", "Numeric targets"),
    "comparison_table": ("按地区对比", "Side by side by jurisdiction"),
    "documents_table": ("已收录文件", "Indexed documents"),
    "report_table": ("导入报告", "Ingest report"),
    "upload": ("上传文件（.docx .pdf .txt .md .html）", "Upload a document (.docx .pdf .txt .md .html)"),
    "upload_title": ("标题", "Title"),
    "upload_jurisdiction": ("地区（如 石梁县）", "Jurisdiction (e.g. 石梁县)"),
    "upload_status": ("状态", "Status"),
    "upload_confirm": ("导入", "Index it"),
    "upload_cancel": ("取消", "Cancel"),
    "tab_briefing": ("专题简报", "Topic briefing"),
    "briefing_intro": ("**生成专题简报**：按专题汇总各地各文件的牵头和参与单位、目标指标、重点举措和文件状态，每条均注明出处。",
                       "**Topic briefing**: for each jurisdiction and document, the lead and partner agencies, "
                       "the targets, the key measures and the document's status, every fact cited."),
    "briefing_topic": ("专题", "Topic"),
    "briefing_format": ("格式", "Format"),
    "briefing_documents": ("文件范围（不选则为全部）", "Documents (none selected: all)"),
    "briefing_make": ("生成专题简报", "Make the briefing"),
    "briefing_download": ("下载简报", "Download the briefing"),
    "stop": ("停止", "Stop"),
    "delete_choice": ("删除文件", "Remove a document"),
    "delete": ("从索引中删除", "Remove from the index"),
    "filters": ("筛选", "Filters"),
    "close_source": ("关闭", "Close"),
}
# Whatever ingest reads, the upload box accepts (ingest.load is the one list).
UPLOAD_SUFFIXES = tuple(sorted(SUPPORTED_SUFFIXES))
CHECKING_BADGE = "核对中 / Checking"
ALL_DOCUMENTS = ("全部 / All", "")


def wording(key: str, language: str) -> str:
    chinese, english = TEXT[key]
    return english if language == "English" else chinese
