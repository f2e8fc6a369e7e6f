package app

import (
	"errors"
	"pilu/models"
	"strings"
)

// ErrorLine keeps an error on one readable line for a terminal; a coded refusal of the models is
// said in English.
func ErrorLine(err error) string {
	var r *models.Refusal
	var fe models.FieldErrors
	switch {
	case errors.As(err, &r):
		return problemEnglish(r.Code, r.Args)
	case errors.As(err, &fe):
		return fieldsEnglish(fe)
	}
	return strings.Join(strings.Fields(err.Error()), " ")
}
