package app

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// openAPIDocument is the OpenAPI 3.1 description of /api/v1; a test validates it and checks every
// API answer the tests produce against it.
//
//go:embed openapi.json
var openAPIDocument []byte

func (s *Server) apiOpenAPI(c *fiber.Ctx) error {
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSONCharsetUTF8)
	return c.Send(openAPIDocument)
}

// apiDoc is the part of the OpenAPI document the /api page shows.
type apiDoc struct {
	Info struct {
		Title, Version, Description string
		DescriptionZH               string `json:"x-description-zh"` // the introduction for Chinese readers
	}
	Paths      map[string]map[string]apiOperation
	Components struct {
		Parameters map[string]apiParameter
		Schemas    map[string]json.RawMessage
	}
}

type apiOperation struct {
	Summary, Description string
	SummaryZH            string `json:"x-summary-zh"` // the summary for Chinese readers
	OperationID          string `json:"operationId"`
	Parameters           []apiParameter
	Security             []map[string][]string
	Responses            map[string]struct {
		Description string
		Ref         string `json:"$ref"`
		Content     map[string]struct {
			Schema struct {
				Ref string `json:"$ref"`
			}
		}
	}
}

type apiParameter struct {
	Ref         string `json:"$ref"`
	Name, In    string
	Required    bool
	Description string
	Schema      struct {
		Type any
		Enum []string
	}
}

// apiPageOperation is one operation as the /api page lists it.
type apiPageOperation struct {
	Method, Path, Summary, Description, Anchor string
	Auth                                       bool
	Params                                     []apiParameter
	Responses                                  []string
}

// apiPage is the data of /api.
type apiPage struct {
	Title, Version string
	Intro          []string
	English        []string // the English introduction, behind a disclosure on the Chinese page
	Operations     []apiPageOperation
	Schemas        []string
}

// readAPIDoc turns the embedded document into the /api page in lang, operations in path order: the
// document is English, for developers everywhere, and carries a Chinese introduction and summaries
// (x-description-zh, x-summary-zh); details stay in English.
func readAPIDoc(lang string) (apiPage, error) {
	var d apiDoc
	if err := json.Unmarshal(openAPIDocument, &d); err != nil {
		return apiPage{}, fmt.Errorf("app: openapi.json: %w", err)
	}
	p := apiPage{Title: d.Info.Title, Version: d.Info.Version, Intro: strings.Split(d.Info.Description, "\n\n")}
	zh := lang != "en"
	if zh && d.Info.DescriptionZH != "" {
		p.Intro, p.English = strings.Split(d.Info.DescriptionZH, "\n\n"), p.Intro
	}
	paths := make([]string, 0, len(d.Paths))
	for path := range d.Paths {
		paths = append(paths, path)
	}
	sort.Strings(paths)
	for _, path := range paths {
		for _, method := range []string{"get", "put", "post", "delete"} {
			o, ok := d.Paths[path][method]
			if !ok {
				continue
			}
			if zh && o.SummaryZH != "" {
				o.Summary = o.SummaryZH
			}
			op := apiPageOperation{Method: strings.ToUpper(method), Path: "/api/v1" + path, Summary: o.Summary,
				Description: o.Description, Anchor: o.OperationID, Auth: len(o.Security) > 0}
			for _, prm := range o.Parameters {
				if name, ok := strings.CutPrefix(prm.Ref, "#/components/parameters/"); ok {
					prm = d.Components.Parameters[name]
				}
				op.Params = append(op.Params, prm)
			}
			for status, r := range o.Responses {
				text := status + " " + r.Description
				if status == "default" {
					text = "default: the error shape (Error)"
				}
				for _, ct := range r.Content {
					if name, ok := strings.CutPrefix(ct.Schema.Ref, "#/components/schemas/"); ok {
						text += " → " + name
					}
				}
				op.Responses = append(op.Responses, text)
			}
			slices.Sort(op.Responses)
			p.Operations = append(p.Operations, op)
		}
	}
	for name := range d.Components.Schemas {
		p.Schemas = append(p.Schemas, name)
	}
	sort.Strings(p.Schemas)
	return p, nil
}

// showAPI renders the API reference from the same OpenAPI document (server-side, no scripts).
func (s *Server) showAPI(c *fiber.Ctx) error {
	p, err := readAPIDoc(s.lang(c))
	if err != nil {
		return err
	}
	return s.render(c, "api", pageData{Title: "opendata.api", Data: p})
}
