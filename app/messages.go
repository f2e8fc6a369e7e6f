package app

import (
	"errors"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"

	"pilu/models"
)

// The models explain rejected input in English (models.FieldErrors). Pages say those messages in
// the reader's language through one catalog, templates/i18n/{zh,en}/messages.json: its keys are
// modelMessageKey followed by a model message as the models write it, with a fmt verb (%d, %s, %q,
// %c) where the message carries a value; its texts name those values {1}, {2}, … in order, or
// {1:disposition} to show the value by its catalog label (disposition.<value>, each of a list
// separated by ", "; {1:class|disposition} tries each vocabulary; {1:division} shows a province's or
// plan city's code by its name). The JSON API keeps the models'
// English.

// modelMessageKey starts every key of the model-message catalog.
const modelMessageKey = "model: "

// messagePattern is one message of the catalog with parameters, as a regular expression.
type messagePattern struct {
	key string
	re  *regexp.Regexp
}

// messageVerb is a fmt verb in a catalog key: a value of the message.
var messageVerb = regexp.MustCompile(`%[dsqcv]`)

// messageParam is a value's place in a translation: {1} or {1:vocabulary}.
var messageParam = regexp.MustCompile(`\{(\d)(?::([a-z_|]+))?\}`)

// modelPatterns are the catalog's messages with parameters, the most literal first, compiled once.
var modelPatterns = sync.OnceValue(func() []messagePattern {
	cat, err := loadCatalog(Languages[0])
	if err != nil {
		return nil
	}
	var out []messagePattern
	for key := range cat {
		pattern, ok := strings.CutPrefix(key, modelMessageKey)
		if !ok || !messageVerb.MatchString(pattern) {
			continue
		}
		var re strings.Builder
		re.WriteString("^")
		last := 0
		for _, loc := range messageVerb.FindAllStringIndex(pattern, -1) {
			re.WriteString(regexp.QuoteMeta(pattern[last:loc[0]]))
			if pattern[loc[0]+1] == 'd' {
				re.WriteString(`(-?[0-9]+)`)
			} else {
				re.WriteString(`(.+?)`)
			}
			last = loc[1]
		}
		re.WriteString(regexp.QuoteMeta(pattern[last:]) + "$")
		out = append(out, messagePattern{key: key, re: regexp.MustCompile(re.String())})
	}
	sort.Slice(out, func(i, j int) bool {
		li, lj := len(messageVerb.ReplaceAllString(out[i].key, "")), len(messageVerb.ReplaceAllString(out[j].key, ""))
		if li != lj {
			return li > lj
		}
		return out[i].key < out[j].key
	})
	return out
})

// fieldMessage says a model's message about field in lang: an exact message of the catalog, or a
// message with values (kept, or shown by their labels); a message the catalog lacks stays as it is.
// Several messages about one field (a figure that breaks several rules) are said one by one.
// The catalog says a message alike for every field; field is what the message is about.
func (s *Server) fieldMessage(lang, field, msg string) string {
	if parts := strings.Split(msg, models.FigureMessageSeparator); len(parts) > 1 {
		for i, p := range parts {
			parts[i] = s.fieldMessage(lang, field, p)
		}
		if lang == "zh" {
			return strings.Join(parts, "；")
		}
		return strings.Join(parts, "; ")
	}
	if text, ok := s.views.catalogs[lang][modelMessageKey+msg]; ok {
		return text
	}
	for _, p := range modelPatterns() {
		m := p.re.FindStringSubmatch(msg)
		if m == nil {
			continue
		}
		text, ok := s.views.catalogs[lang][p.key]
		if !ok {
			return msg
		}
		return messageParam.ReplaceAllStringFunc(text, func(place string) string {
			sub := messageParam.FindStringSubmatch(place)
			i, _ := strconv.Atoi(sub[1])
			if i < 1 || i >= len(m) {
				return place
			}
			return s.labelOf(lang, sub[2], m[i])
		})
	}
	return msg
}

// labelOf shows value by its label in the first of the vocabularies (separated by "|") that has
// one, each entry of a list separated by ", " on its own; a value without a label stays as it is.
func (s *Server) labelOf(lang, vocabularies, value string) string {
	if vocabularies == "" {
		return value
	}
	parts := strings.Split(value, ", ")
	for i, p := range parts {
		for _, v := range strings.Split(vocabularies, "|") {
			if v == "division" { // a province or plan city by its code: its name
				if _, ok := models.LookupDivision(p); ok {
					parts[i] = provinceName(lang, p)
					break
				}
				continue
			}
			if label, ok := s.views.catalogs[lang][v+"."+p]; ok {
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

// fieldMessages translates every message of fe for a page. values are what the user typed, by
// field: a credit code or an ID number that the models refused is read again for the reason in
// the page's language (models.USCCError, models.ResidentIDError), which never repeats the number.
func (s *Server) fieldMessages(lang string, fe models.FieldErrors, values map[string]string) map[string]string {
	out := make(map[string]string, len(fe))
	for field, msg := range fe {
		out[field] = s.typedFieldMessage(lang, field, msg, values[field])
	}
	return out
}

// typedFieldMessage is fieldMessage for a field whose typed value is known: a refused credit code
// or ID number gets its precise reason.
func (s *Server) typedFieldMessage(lang, field, msg, typed string) string {
	if reason, ok := codeReason(lang, field, msg, typed); ok {
		return reason
	}
	return s.fieldMessage(lang, field, msg)
}

// codeReason gives the reason in lang why value is not an ID number (field id_number) or a credit
// code (any other field), when msg is the models' English for that reason.
func codeReason(lang, field, msg, value string) (string, bool) {
	if field == "id_number" {
		if strings.TrimSpace(value) == "" {
			return "", false
		}
		var ie *models.ResidentIDError
		if _, err := models.ParseResidentID(value); errors.As(err, &ie) && strings.HasSuffix(msg, ie.Reason) {
			return pick(lang, ie.Reason, ie.ReasonZH), true
		}
		return "", false
	}
	var ue *models.USCCError
	if _, _, err := models.ParseUSCC(value); errors.As(err, &ue) && strings.HasSuffix(msg, ue.Reason) {
		return pick(lang, ue.Reason, ue.ReasonZH), true
	}
	return "", false
}

// pick returns zh for Chinese pages and en for the others.
func pick(lang, en, zh string) string {
	if lang == "zh" {
		return zh
	}
	return en
}
