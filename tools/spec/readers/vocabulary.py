"""The words specs are written in, per meaning and per language, in one place.

Each name holds one regular-expression alternation (`a|b|c`) of the words that say one thing in
English, Spanish, Italian, Japanese…; the readers put them into their patterns. Add a language by
adding its words here, never in a reader. Nothing here matches text by itself.
"""

from __future__ import annotations


def words(**by_language: str) -> str:
    """One alternation of the words of every language given, in the order given."""
    return "|".join(w for w in by_language.values() if w)


# --- section headings ------------------------------------------------------------------------

# \b-delimited words; the scripts without word boundaries come apart in *_SCRIPT.
FUTURE = words(
    en=r"future|optional|planned|later|roadmap|out of scope|proposed|nice[- ]to[- ]have|backlog"
    r"|deferred|wishlist|phase\s*\d+\s*\(future\)",
    es=r"futur[eo]s?|opcional|fuera de alcance",
    it=r"opzional[ei]",
)
FUTURE_SCRIPT = words(ja=r"将来|予定|今後")
KEYS = words(en=r"primary\s+keys?", es=r"claves\s+primarias", it=r"chiavi\s+primarie", ja=r"主キー")
RELATIONSHIPS = words(
    en=r"relationship|relations|\berd\b|entity.relationship|foreign keys?\b",
    es=r"relaci[oó]n",
    it=r"relazion",
    ja=r"リレーション|関連|関係",
)
INDEXES = words(
    en=r"\bindex|\bindexes|\bindices", es=r"índices", it=r"\bindici", ja=r"インデックス|索引"
)
CONSTRAINTS = words(
    en=r"constraint|integrity|validat|\brules?\b|business rules",
    es=r"restricci|validaci|reglas",
    it=r"vincol|convalida|regole",
    ja=r"制約",
)
ENUMS = words(
    en=r"\benums?\b|enumera|data types|^types$",
    es=r"tipos de datos",
    it=r"tipi di dati",
    ja=r"列挙",
)
ISOLATION = words(
    en=r"isolation|tenan|row.level|\brls\b|multi.?user|data access|access control|security",
    es=r"aislamiento|seguridad",
    it=r"isolamento|sicurezza",
    ja=r"テナント|分離|セキュリティ",
)
# A heading opening a table's column list ("Fields", "Columnas", "カラム").
FIELDS = words(
    en=r"fields?|columns?|attributes?|field definitions?|field details|column definitions?"
    r"|schema|structure|properties|definition",
    es=r"campos?|columnas|estructura|propiedades|definici[oó]n",
    it=r"campi|colonne|struttura|proprietà|definizione",
    ja=r"カラム|フィールド|属性|項目",
)
# A bullet or line that only says "the columns follow".
COLUMNS_LEAD = words(
    en=r"columns?|fields?", es=r"campos?", it=r"campi|colonne", ja=r"カラム|フィールド"
)
# Headings that name no table on their own.
PROSE = {
    "en": "overview introduction summary notes note migration migrations setup configuration"
    " examples queries performance purpose description tables models entities schema database"
    " storage commands references contents glossary changelog usage testing deployment"
    " monitoring maintenance backup conventions status version",
    "es": "resumen",
    "it": "riepilogo panoramica",
    "ja": "概要",
}
PROSE_WORDS = {word for group in PROSE.values() for word in group.split()}
TABLE = words(
    en=r"tables?|models?|entit(y|ies)|collection|aggregate",
    es=r"tablas?|modelos?|entidad(es)?",
    it=r"tabell[ae]|modell[oi]|entità",
    de=r"tabelle",
)
TABLE_SCRIPT = words(ja=r"テーブル|モデル|エンティティ")
TABLES_PLURAL = words(
    en=r"tables|models|entities", es=r"tablas|entidades", it=r"modelli", de=r"tabelle"
)
STOP = words(
    en=r"the|of|for|a|an",
    es=r"de|del|la|las|los|el",
    it=r"di|dei|degli|delle|della",
)
TABLE_NAME = words(
    en=r"table\s*name",
    es=r"nombre\s+de\s+(?:la\s+)?tabla",
    it=r"nome\s+(?:della\s+)?tabella",
    ja=r"テーブル名",
)

# --- statements about tables ---------------------------------------------------------------

MANAGED_BY = words(en=r"managed|owned|handled|provided|maintained")
MANAGED_BY_ES = r"gestionad[ao]\s+por"
MANAGED_BY_IT = r"gestit[ao]\s+da"
SHARED = words(
    en=r"shared|global|not tenant|cross-tenant", es=r"compartid", it=r"condivis", ja=r"共有"
)
NONE = {"none", "no", "n", "a", "nothing", "tbd", "ninguna", "nessuna"}
AND = words(en=r"\band\b", es=r"\by\b", it=r"\be\b")
AND_WORDS = {"and", "y", "e"}

# --- column constraints --------------------------------------------------------------------

PRIMARY_KEY = words(
    en=r"primary\s*key|\bpk\b", es=r"clave\s+primaria", it=r"chiave\s+primaria", ja=r"主キー"
)
FOREIGN_KEY = words(
    en=r"foreign\s*key|\bfk\b|references",
    es=r"clave\s+for[aá]nea",
    it=r"chiave\s+esterna",
    ja=r"外部キー",
)
UNIQUE = words(en=r"unique", es=r"único", it=r"unico|univoco", ja=r"一意|ユニーク")
NOT_NULL = words(
    en=r"not\s*null|non[- ]?null|required|mandatory|yes\b",
    es=r"no\s+nulo|obligatorio|requerido",
    it=r"non\s+null[oa]|obbligatorio",
    ja=r"必須",
)
NULLABLE = words(
    en=r"nullable|null\b|optional", es=r"opcional", it=r"opzionale|facoltativo", ja=r"任意"
)
DEFAULT = words(en=r"defaults?(?:\s+to)?", es=r"por\s+defecto", it=r"predefinito", ja=r"デフォルト")
INDEXED = words(en=r"indexed|index|idx", ja=r"インデックス")
YES = words(en=r"yes|y|true|required|✓|✅|x", es=r"sí|si", ja=r"はい")
NO = words(en=r"no|n|false|optional", ja=r"いいえ")

# --- table headers (whole cell, lower case) --------------------------------------------------

HEADER_NAME = words(
    en=r"column|columns|field|fields|name|attribute|column name|field name",
    es=r"campo|columna|nombre",
    it=r"colonna|nome",
    ja=r"カラム|カラム名|フィールド|項目|列|名前|物理名",
)
HEADER_TYPE = words(
    en=r"type|data type|datatype|sql type",
    es=r"tipo|tipo de dato",
    it=r"tipo di dato",
    ja=r"型|タイプ|データ型",
)
HEADER_CONSTRAINTS = words(
    en=r"constraints?|attributes|modifiers|options|properties|flags|key|keys|pk/fk",
    es=r"restricciones|propiedades",
    it=r"vincoli",
    ja=r"制約",
)
HEADER_DESCRIPTION = words(
    en=r"description|purpose|details|comment|comments|meaning",
    es=r"descripción|descripcion",
    it=r"descrizione",
    ja=r"説明|備考",
)
HEADER_NOTES = words(
    en=r"notes?|remarks?|validation|rules?",
    es=r"validación|notas|reglas|observaciones",
    it=r"validazione|regole|osservazioni",
)
HEADER_EXAMPLE = words(en=r"examples?|sample", es=r"ejemplos?", it=r"esempi|esempio", ja=r"例")
HEADER_REQUIRED = words(
    en=r"required|mandatory", es=r"requerido|obligatorio", it=r"obbligatorio", ja=r"必須"
)
HEADER_NULLABLE = words(en=r"nullable|null|null\?", es=r"nulo", it=r"nullo")
HEADER_DEFAULT = words(
    en=r"default|default value",
    es=r"por defecto",
    it=r"predefinito|valore predefinito",
    ja=r"デフォルト|初期値",
)
HEADER_REFERENCES = words(
    en=r"references|foreign key|fk|relation", es=r"referencia", it=r"riferimento"
)
# Index tables: which cell holds the columns, the index name, the table (searched in the header).
INDEX_COLUMNS = words(en=r"column|field", es=r"columna", it=r"colonn", ja=r"カラム")
INDEX_NAME = words(en=r"index|name", es=r"nombre", it=r"nome", ja=r"名")
INDEX_TABLE = words(en=r"^table", es=r"tabla", it=r"tabella", ja=r"テーブル")
