package app

import (
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"strings"
	"sync"

	"pilu/models"
)

// The models refuse input with codes and arguments (models.FieldErrors, models.Refusal,
// models.ImportProblem), never with sentences. Pages and the API say a code in a language through
// one catalog, templates/i18n/{zh,en}/messages.json: the key is problemKey followed by the code
// (every one of models.Codes has a text in both languages, a test checks it); the text names the
// arguments {name}, or {name:vocabulary} to show a value (or each value of a list) by its catalog
// label: {values:label} takes the vocabulary from the argument "vocabulary", {x:division} shows a
// province's or plan city's code by its name. The API gives the code, the arguments and the
// English text.

// problemKey starts every key of the catalog's texts of codes.
const problemKey = "problem."

// problemParam is an argument's place in a text: {name} or {name:vocabulary}.
var problemParam = regexp.MustCompile(`\{([a-z_0-9]+)(?::([a-z_|]+))?\}`)

// vocabularyPrefix is the catalog key prefix of each vocabulary's labels.
var vocabularyPrefix = map[string]string{
	"class": "class.", "disposition": "disposition.", "disclosure_kind": "disclosure_kind.",
	"notice_kind": "notice_kind.", "event_type": "event_type.", "outcome": "outcome.", "status": "status.",
	"role": "admin.role.", "claim_status": "claim.status_",
}

// problemText says code with its arguments in lang; a code the catalog lacks is said as itself
// (the catalog test keeps that from happening).
func (s *Server) problemText(lang, code string, args models.Args) string {
	cat := s.views.catalogs[lang]
	if _, ok := cat[problemKey+code]; !ok {
		cat = s.views.catalogs[Languages[0]]
	}
	return sayProblem(cat, lang, code, args)
}

// englishCatalog is the English catalog, for the command line (which has no Server).
var englishCatalog = sync.OnceValue(func() map[string]string {
	cat, _ := loadCatalog("en")
	return cat
})

// problemEnglish says code with its arguments in English, for the command line.
func problemEnglish(code string, args models.Args) string {
	return sayProblem(englishCatalog(), "en", code, args)
}

// sayProblem says code with its arguments from the catalog cat of lang.
func sayProblem(cat map[string]string, lang, code string, args models.Args) string {
	text, ok := cat[problemKey+code]
	if !ok {
		return code
	}
	return problemParam.ReplaceAllStringFunc(text, func(place string) string {
		sub := problemParam.FindStringSubmatch(place)
		v, ok := args[sub[1]]
		if !ok {
			return place
		}
		vocabulary := sub[2]
		if vocabulary == "label" {
			vocabulary, _ = args["vocabulary"].(string)
		}
		return labelOf(cat, lang, vocabulary, v)
	})
}

// labelOf shows value (a string, a list of strings, or a number) by its label in cat in the first
// of the vocabularies (separated by "|") that has one, each entry of a list on its own; a value
// without a label is shown as it is.
func labelOf(cat map[string]string, lang, vocabularies string, value any) string {
	var parts []string
	if rv := reflect.ValueOf(value); rv.Kind() == reflect.Slice {
		for i := range rv.Len() {
			parts = append(parts, fmt.Sprint(rv.Index(i).Interface()))
		}
	} else {
		parts = []string{fmt.Sprint(value)}
	}
	for i, p := range parts {
		for _, v := range strings.Split(vocabularies, "|") {
			if v == "" {
				continue
			}
			if v == "division" { // a province or plan city by its code: its name
				if _, ok := models.LookupDivision(p); ok {
					parts[i] = provinceName(lang, p)
					break
				}
				continue
			}
			prefix, ok := vocabularyPrefix[v]
			if !ok {
				prefix = v + "."
			}
			if label, ok := cat[prefix+p]; ok {
				parts[i] = label
				break
			}
		}
	}
	sep := ", "
	if lang == "zh" {
		sep = "、"
	}
	return strings.Join(parts, sep)
}

// fieldMessages says every reason of fe in lang, by field; several reasons about one field are
// said one after the other.
func (s *Server) fieldMessages(lang string, fe models.FieldErrors) map[string]string {
	out := make(map[string]string, len(fe))
	sep := "; "
	if lang == "zh" {
		sep = "；"
	}
	for field, list := range fe {
		texts := make([]string, 0, len(list))
		for _, e := range list {
			texts = append(texts, s.problemText(lang, e.Code, e.Args))
		}
		out[field] = strings.Join(texts, sep)
	}
	return out
}

// refusalText says a refused action (a *models.Refusal inside err) in lang; false when err carries
// none.
func (s *Server) refusalText(lang string, err error) (string, bool) {
	var r *models.Refusal
	if !errors.As(err, &r) {
		return "", false
	}
	return s.problemText(lang, r.Code, r.Args), true
}

// fieldDetail is one reason of a refused field as the API gives it: the field, the stable code,
// its arguments and its English text.
type fieldDetail struct {
	Field   string      `json:"field"`
	Code    string      `json:"code"`
	Args    models.Args `json:"args,omitempty"`
	Message string      `json:"message"`
}

// fieldDetails lists every reason of fe for the API, by field, in English.
func (s *Server) fieldDetails(fe models.FieldErrors) []fieldDetail {
	var out []fieldDetail
	for _, e := range fe.List() {
		out = append(out, fieldDetail{Field: e.Field, Code: e.Code, Args: e.Args, Message: s.problemText("en", e.Code, e.Args)})
	}
	return out
}

// fieldsEnglish says every reason of fe in English on one line, for the command line.
func fieldsEnglish(fe models.FieldErrors) string {
	var parts []string
	for _, e := range fe.List() {
		parts = append(parts, e.Field+": "+problemEnglish(e.Code, e.Args))
	}
	return strings.Join(parts, "; ")
}
