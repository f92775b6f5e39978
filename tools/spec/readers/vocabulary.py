"""The words specs are written in, per meaning and per language, in one place.

Each name holds one regular-expression alternation (`a|b|c`) of the words that say one thing in
English, Spanish, Italian, French, German, Portuguese, Japanese, Chinese and Urdu; the readers put
them into their patterns with `bounded()`. Add a language by adding its words here, never in a
reader. Nothing here matches text by itself. The module is longer than the ~400-line aim on
purpose: it is one table of words, and splitting it by language would scatter each meaning.

`\\b` cannot delimit Japanese or Chinese words (every CJK character is a word character, so
`カラム一覧` has no boundary after `カラム`): `bounded()` delimits words by the letters of the
alphabetic scripts only, so a CJK word matches wherever it stands.
"""

from __future__ import annotations

# Letters of the scripts that separate words with spaces (Latin, Greek, Cyrillic, Arabic/Urdu).
LETTER = r"A-Za-z0-9_\u00c0-\u024f\u0370-\u03ff\u0400-\u04ff\u0600-\u06ff"


def words(**by_language: str) -> str:
    """One alternation of the words of every language given, in the order given."""
    return "|".join(w for w in by_language.values() if w)


def bounded(alternation: str) -> str:
    """The alternation as whole words: not inside a longer word of an alphabetic script."""
    return rf"(?<![{LETTER}])(?:{alternation})(?![{LETTER}])"


# --- section headings ------------------------------------------------------------------------

FUTURE = words(
    en=r"future|optional|planned|later|roadmap|out of scope|proposed|nice[- ]to[- ]have|backlog"
    r"|deferred|wishlist|phase\s*\d+\s*\(future\)",
    es=r"futur[eo]s?|opcional|fuera de alcance",
    it=r"opzional[ei]",
    fr=r"futures?|optionnel(?:le)?s?|prévue?s?",
    de=r"zukünftige?n?|geplante?n?|später",
    pt=r"planejad[ao]s?",
    ja=r"将来|予定|今後",
    zh=r"未来|计划中|可选",
    ur=r"مستقبل|اختیاری",
)
KEYS = words(
    en=r"primary\s+keys?",
    es=r"claves\s+primarias",
    it=r"chiavi\s+primarie",
    fr=r"clés\s+primaires",
    de=r"primärschlüssel",
    pt=r"chaves\s+primárias",
    ja=r"主キー",
    zh=r"主键",
)
RELATIONSHIPS = words(
    en=r"relationships?|relations|erd|entity.relationships?\w*|foreign keys?|associations",
    es=r"relaci[oó]n\w*",
    it=r"relazion\w*",
    fr=r"clés? étrangères?",
    de=r"beziehung\w*|relationen|fremdschlüssel\w*",
    pt=r"relacionamentos?|relações|chaves? estrangeiras?",
    ja=r"リレーション|関連|関係|外部キー",
    zh=r"关系|关联|外键",
    ur=r"تعلقات|رشتے",
)
INDEXES = words(
    en=r"index\w*|indices",
    es=r"índices",
    it=r"indici",
    de=r"indizes",
    ja=r"インデックス|索引",
    zh=r"索引",
    ur=r"انڈیکس",
)
CONSTRAINTS = words(
    en=r"constraints?|integrity|validat\w*|rules?|business rules",
    es=r"restricci\w*|validaci\w*|reglas",
    it=r"vincol\w*|convalida|regole",
    fr=r"contraintes?|règles",
    de=r"einschränkungen|beschränkungen|regeln",
    pt=r"restrições|regras",
    ja=r"制約",
    zh=r"约束|规则",
    ur=r"پابندیاں|قواعد",
)
ENUMS = words(
    en=r"enums?|enumera\w*|data types|^types$",
    es=r"tipos de datos",
    it=r"tipi di dati",
    fr=r"énumérations?|types de données",
    de=r"aufzählungen|datentypen",
    pt=r"enumerações|tipos de dados",
    ja=r"列挙\w*",
    zh=r"枚举",
)
ISOLATION = words(
    en=r"isolation|tenan\w*|row.level\w*|rls|multi.?user|data access|access control|security",
    es=r"aislamiento|seguridad",
    it=r"isolamento|sicurezza",
    fr=r"sécurité|locataires?",
    de=r"mandant\w*|sicherheit",
    pt=r"isolamento|segurança|inquilinos?",
    ja=r"テナント|分離|セキュリティ",
    zh=r"隔离|租户|安全",
    ur=r"سیکیورٹی|تحفظ",
)
# Database objects that are not tables: read into their own lists.
FUNCTIONS = words(
    en=r"functions?|procedures?|stored procedures?|rpcs?|routines?",
    es=r"funciones|función|procedimientos?",
    it=r"funzion[ei]|procedur[ae]",
    fr=r"fonctions?|procédures?",
    de=r"funktion(?:en)?|prozeduren?",
    pt=r"funções|função|procedimentos?",
    ja=r"関数|ストアド",
    zh=r"函数|存储过程",
    ur=r"فنکشنز?",
)
TRIGGERS = words(
    en=r"triggers?",
    es=r"disparadores?",
    fr=r"déclencheurs?",
    de=r"auslöser",
    pt=r"gatilhos?",
    ja=r"トリガー",
    zh=r"触发器",
    ur=r"ٹرگرز?",
)
VIEWS = words(
    en=r"(?:materiali[sz]ed\s+)?views?",
    es=r"vistas?(?:\s+materializadas?)?",
    it=r"viste?(?:\s+materializzat[ae])?",
    fr=r"vues?(?:\s+matérialisées?)?",
    de=r"sichten?",
    pt=r"visões|visão",
    ja=r"ビュー",
    zh=r"视图",
)
MATERIALIZED = words(
    en=r"materiali[sz]ed", es=r"materializad", it=r"materializzat", fr=r"matérialisé", zh=r"物化"
)
# Sections about using the schema, not defining it: queries, sample data.
EXAMPLES = words(
    en=r"examples?|samples?|sample data|quer(?:y|ies)|usage|seeds?|seed data|fixtures?|test data"
    r"|mock data",
    es=r"ejemplos?|consultas?|datos de prueba",
    it=r"esempi|esempio|interrogazioni",
    fr=r"exemples?|requêtes",
    de=r"beispiele?|abfragen",
    pt=r"exemplos?|consultas?",
    ja=r"例|サンプル|クエリ",
    zh=r"示例|查询",
    ur=r"مثالیں|مثال",
)
# Request and response models of an API: shaped like tables, never tables.
REQUESTS = words(
    en=r"requests?|responses?|payloads?|dtos?|pydantic|endpoints?|api\s+(?:models?|schemas?)"
    r"|input\s+models?|output\s+models?|request\s+bod(?:y|ies)|serializers?",
    es=r"solicitud(?:es)?|respuestas?",
    fr=r"réponses?",
    de=r"anfragen?|antworten?",
    pt=r"requisições|requisição|respostas?",
    ja=r"リクエスト|レスポンス",
    zh=r"请求|响应|接口",
)
# The lead-ins of a function's description.
ARGUMENTS = words(
    en=r"arguments?|parameters?|params|inputs?|returns?|return\s+(?:value|type)s?",
    es=r"argumentos|parámetros|devuelve|retorna",
    it=r"argomenti|parametri|restituisce",
    fr=r"arguments|paramètres|retourne|renvoie",
    de=r"argumente|parameter|rückgabe\w*|gibt zurück",
    pt=r"argumentos|parâmetros|retorna",
    ja=r"引数|パラメータ|戻り値",
    zh=r"参数|返回值?",
    ur=r"پیرامیٹرز",
)
# A heading opening a table's column list ("Fields", "Columnas", "カラム一覧").
FIELDS = words(
    en=r"fields?|columns?|attributes?|field definitions?|field details|column definitions?"
    r"|column specifications?|schema|structure|properties|definition",
    es=r"campos?|columnas|estructura|propiedades|definici[oó]n",
    it=r"campi|colonne|struttura|proprietà|definizione",
    fr=r"colonnes?|champs?|attributs?|structure",
    de=r"spalten|felder|attribute|struktur",
    pt=r"colunas?|atributos?|estrutura",
    ja=r"カラム|フィールド|属性|項目|列定義",
    zh=r"字段|列|表结构",
    ur=r"کالمز?|فیلڈز?",
)
# A bullet or line that only says "the columns follow".
COLUMNS_LEAD = words(
    en=r"columns?|fields?",
    es=r"campos?",
    it=r"campi|colonne",
    fr=r"colonnes|champs",
    de=r"spalten|felder",
    pt=r"colunas",
    ja=r"カラム|フィールド",
    zh=r"字段",
)
# Headings that name no table on their own.
PROSE = {
    "en": "overview introduction summary notes note migration migrations setup configuration"
    " examples queries performance purpose description tables models entities schema database"
    " storage commands references contents glossary changelog usage testing deployment"
    " monitoring maintenance backup conventions status version",
    "es": "resumen",
    "it": "riepilogo panoramica",
    "fr": "aperçu",
    "de": "übersicht datenmodell datenbankschema",
    "pt": "visão",
    "ja": "概要",
    "zh": "概述",
}
PROSE_WORDS = {word for group in PROSE.values() for word in group.split()}
# Prose headings that wrap tables and never are one, whatever follows them.
WRAPPER_WORDS = {
    *("tables", "models", "entities", "schema", "database", "contents", "overview"),
    *("datenmodell", "datenbankschema"),
}
# The words before a table word in a wrapper heading ("Data model", "Core tables", "DB schema").
WRAPPER_QUALIFIERS = {
    *("data", "domain", "database", "db", "core", "main", "all", "physical", "logical"),
    *("datos", "dati", "données", "daten", "dados", "データ", "数据"),
}
TABLE = words(
    en=r"tables?|models?|entit(?:y|ies)|collection|aggregate",
    es=r"tablas?|modelos?|entidad(?:es)?",
    it=r"tabell[ae]|modell[oi]|entità",
    fr=r"modèles?|entités?",
    de=r"tabellen?|entitäten|entität",
    pt=r"tabelas?|entidades?",
    ja=r"テーブル|モデル|エンティティ",
    zh=r"数据表|表|模型|实体",
    ur=r"ٹیبلز?|جدول|ماڈل",
)
TABLES_PLURAL = words(
    en=r"tables|models|entities",
    es=r"tablas|entidades",
    it=r"modelli",
    fr=r"modèles|entités",
    de=r"tabellen",
    pt=r"tabelas",
)
STOP = words(
    en=r"the|of|for|a|an",
    es=r"de|del|la|las|los|el",
    it=r"di|dei|degli|delle|della",
    fr=r"du|le|les|des",
    de=r"der|die|das|für",
    pt=r"do|da|dos|das|para",
)
TABLE_NAME = words(
    en=r"table\s*name|table|db_table|physical name",
    es=r"nombre\s+de\s+(?:la\s+)?tabla",
    it=r"nome\s+(?:della\s+)?tabella",
    fr=r"nom\s+de\s+(?:la\s+)?table",
    de=r"tabellenname",
    pt=r"nome\s+da\s+tabela",
    ja=r"テーブル名|物理名",
    zh=r"表名",
    ur=r"ٹیبل کا نام",
)

# --- statements about tables ---------------------------------------------------------------

MANAGED_BY = words(en=r"managed|owned|handled|provided|maintained")
MANAGED_BY_ES = r"gestionad[ao]\s+por"
MANAGED_BY_IT = r"gestit[ao]\s+da"
SHARED = words(
    en=r"shared|global|not tenant|cross-tenant",
    es=r"compartid",
    it=r"condivis",
    fr=r"partagée?s?",
    de=r"gemeinsam",
    pt=r"compartilhad",
    ja=r"共有",
    zh=r"共享",
)
NONE = {"none", "no", "n", "a", "nothing", "tbd", "ninguna", "nessuna", "aucune", "keine"}
AND = words(en=r"\band\b", es=r"\by\b", it=r"\be\b", fr=r"\bet\b", de=r"\bund\b")
AND_WORDS = {"and", "y", "e", "et", "und"}

# --- column constraints --------------------------------------------------------------------

PRIMARY_KEY = words(
    en=r"primary\s*key|\bpk\b",
    es=r"clave\s+primaria",
    it=r"chiave\s+primaria",
    fr=r"clé\s+primaire",
    de=r"primärschlüssel",
    pt=r"chave\s+primária",
    ja=r"主キー",
    zh=r"主键",
    ur=r"پرائمری\s+کی|بنیادی\s+کلید",
)
FOREIGN_KEY = words(
    en=r"foreign\s*key|\bfk\b|references",
    es=r"clave\s+for[aá]nea",
    it=r"chiave\s+esterna",
    fr=r"clé\s+étrangère",
    de=r"fremdschlüssel",
    pt=r"chave\s+estrangeira",
    ja=r"外部キー",
    zh=r"外键",
    ur=r"فارن\s+کی|بیرونی\s+کلید",
)
# Prose saying a column points at a table ("links to accounts", "refers to the users table").
LINKS_TO = words(
    en=r"links?\s+to|linked\s+to|points?\s+(?:to|at)|pointing\s+to|refers?\s+to|referencing"
    r"|relates?\s+to|belongs?\s+to|owned\s+by|id\s+of\s+(?:the|an?)|ref(?:erence)?\s+to",
    es=r"referencia\s+a|apunta\s+a",
    it=r"riferimento\s+a",
    fr=r"référence\s+(?:vers|à)|pointe\s+vers",
    de=r"verweist\s+auf|referenziert",
    pt=r"referencia|aponta\s+para",
)
UNIQUE = words(
    en=r"unique",
    es=r"único",
    it=r"unico|univoco",
    de=r"eindeutig",
    pt=r"única",
    ja=r"一意|ユニーク",
    zh=r"唯一",
    ur=r"منفرد|یونیک",
)
NOT_NULL = words(
    en=r"not\s*null|non[- ]?null|required|mandatory|yes\b",
    es=r"no\s+nulo|obligatorio|requerido",
    it=r"non\s+null[oa]|obbligatorio",
    fr=r"non\s+nulle?|obligatoire|requis",
    de=r"nicht\s+null|erforderlich|pflichtfeld",
    pt=r"não\s+nulo|obrigatório",
    ja=r"必須",
    zh=r"非空|必填",
    ur=r"لازمی|ضروری",
)
NULLABLE = words(
    en=r"nullable|null\b|optional",
    es=r"opcional",
    it=r"opzionale|facoltativo",
    fr=r"facultatif|optionnel",
    pt=r"anulável",
    ja=r"任意",
    zh=r"可空|可选",
    ur=r"اختیاری",
)
DEFAULT = words(
    en=r"defaults?(?:\s+to)?",
    es=r"por\s+defecto",
    it=r"predefinito",
    fr=r"par\s+défaut",
    de=r"standardwert",
    pt=r"por\s+padrão|padrão",
    ja=r"デフォルト",
    zh=r"默认值?",
    ur=r"ڈیفالٹ",
)
INDEXED = words(en=r"indexed|index|idx", ja=r"インデックス", zh=r"索引")
YES = words(
    en=r"yes|y|true|required|✓|✅|x",
    es=r"sí|si",
    fr=r"oui",
    de=r"ja",
    pt=r"sim",
    ja=r"はい",
    zh=r"是",
    ur=r"ہاں",
)
NO = words(
    en=r"no|n|false|optional|✗|✘|❌|\u00d7",
    fr=r"non",
    de=r"nein",
    pt=r"não",
    ja=r"いいえ",
    zh=r"否",
)

# --- table headers (whole cell, lower case) --------------------------------------------------

HEADER_NAME = words(
    en=r"column|columns|field|fields|name|attribute|column name|field name",
    es=r"campo|columna|nombre|nombre de columna",
    it=r"colonna|nome|nome colonna",
    fr=r"colonne|nom|champ|nom de colonne",
    de=r"spalte|spaltenname|feld|feldname",
    pt=r"coluna|campo|nome da coluna",
    ja=r"カラム|カラム名|フィールド|項目|列|名前|物理名|列名",
    zh=r"列名|字段|字段名|列|名称",
    ur=r"کالم|نام|فیلڈ|کالم کا نام",
)
HEADER_TYPE = words(
    en=r"type|data type|datatype|sql type",
    es=r"tipo|tipo de dato|tipo de datos",
    it=r"tipo di dato",
    fr=r"type de données|type de donnée",
    de=r"typ|datentyp",
    pt=r"tipo de dado",
    ja=r"型|タイプ|データ型",
    zh=r"类型|数据类型",
    ur=r"قسم|ٹائپ|ڈیٹا ٹائپ",
)
HEADER_CONSTRAINTS = words(
    en=r"constraints?|attributes|modifiers|options|properties|flags|key|keys|pk/fk",
    es=r"restricciones|propiedades",
    it=r"vincoli",
    fr=r"contraintes",
    de=r"einschränkungen|beschränkungen|schlüssel",
    pt=r"restrições",
    ja=r"制約",
    zh=r"约束",
    ur=r"پابندیاں|قیود",
)
HEADER_DESCRIPTION = words(
    en=r"description|purpose|details|comment|comments|meaning",
    es=r"descripción|descripcion",
    it=r"descrizione",
    fr=r"commentaire",
    de=r"beschreibung|bedeutung",
    pt=r"descrição",
    ja=r"説明|備考|論理名",
    zh=r"说明|描述|备注",
    ur=r"تفصیل|وضاحت",
)
HEADER_NOTES = words(
    en=r"notes?|remarks?|validation|rules?",
    es=r"validación|notas|reglas|observaciones",
    it=r"validazione|regole|osservazioni",
    fr=r"remarques",
    de=r"hinweise|anmerkungen|bemerkungen",
    pt=r"observações",
    zh=r"注释",
    ur=r"نوٹس",
)
HEADER_EXAMPLE = words(
    en=r"examples?|sample",
    es=r"ejemplos?",
    it=r"esempi|esempio",
    fr=r"exemples?",
    de=r"beispiele?",
    pt=r"exemplos?",
    ja=r"例",
    zh=r"示例|例子",
    ur=r"مثال",
)
HEADER_REQUIRED = words(
    en=r"required|mandatory",
    es=r"requerido|obligatorio",
    it=r"obbligatorio",
    fr=r"obligatoire|requis",
    de=r"pflicht|erforderlich",
    pt=r"obrigatório",
    ja=r"必須",
    zh=r"必填|是否必填",
    ur=r"لازمی",
)
HEADER_NULLABLE = words(
    en=r"nullable|null|null\?",
    es=r"nulo",
    it=r"nullo",
    de=r"nullbar",
    pt=r"anulável",
    ja=r"null許可|null可",
    zh=r"可空|是否为空|允许空",
    ur=r"خالی",
)
HEADER_DEFAULT = words(
    en=r"default|default value",
    es=r"por defecto|valor por defecto",
    it=r"predefinito|valore predefinito",
    fr=r"défaut|valeur par défaut",
    de=r"standard|standardwert",
    pt=r"padrão|valor padrão",
    ja=r"デフォルト|初期値|デフォルト値",
    zh=r"默认值|默认",
    ur=r"ڈیفالٹ",
)
HEADER_REFERENCES = words(
    en=r"references|foreign key|fk|relation",
    es=r"referencia",
    it=r"riferimento",
    fr=r"référence|clé étrangère",
    de=r"referenz|fremdschlüssel",
    pt=r"referência|chave estrangeira",
    ja=r"外部キー|参照",
    zh=r"外键|引用",
    ur=r"حوالہ",
)
# Yes/no columns of a column table, each naming the constraint a yes in it states.
HEADER_PRIMARY = words(en=r"pk|pk\?|primary|primary key", ja=r"主キー|pk", zh=r"主键")
HEADER_UNIQUE = words(en=r"unique|unique\?|uq|uniq", ja=r"ユニーク|一意", zh=r"唯一")
HEADER_INDEXED = words(en=r"index|indexed|idx|index\?", ja=r"インデックス", zh=r"索引")
HEADER_AUTO = words(en=r"auto increment|auto_increment|autoincrement|ai|identity", zh=r"自增")
# The tables a column's FK points at, as schema documentation generators (tbls) list them.
HEADER_PARENTS = words(
    en=r"parents|parent|parent tables?",
    ja=r"親テーブル",
    zh=r"父表|关联表",
)
# Index tables: which cell holds the columns, the index name, the table (searched in the header).
INDEX_COLUMNS = words(
    en=r"column|field",
    es=r"columna",
    it=r"colonn",
    fr=r"colonne",
    de=r"spalte",
    pt=r"coluna",
    ja=r"カラム",
    zh=r"列|字段",
)
INDEX_NAME = words(en=r"index|name", es=r"nombre", it=r"nome", fr=r"nom", ja=r"名", zh=r"名")
INDEX_TABLE = words(
    en=r"^table", es=r"tabla", it=r"tabella", de=r"tabelle", ja=r"テーブル", zh=r"表"
)

# Full-width punctuation of Japanese and Chinese text, read as its ASCII counterpart.
FULL_WIDTH = str.maketrans(
    "\uff08\uff09\uff1a\uff0c\u3001\uff1b\uff1d\uff5c", "():,,;=|"
)  # the full-width parenthesis, colon, comma, ideographic comma, semicolon, equals, bar
