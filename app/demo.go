package app

import (
	"bytes"
	"context"
	"io"

	"pilu/app/demo"
	"pilu/models"
)

// loadDemo loads the demo data set (package demo) into an empty database and prints its logins to
// out; its documents are PDFs stored through the same upload path as a filer's files.
func (s *Server) loadDemo(ctx context.Context, out io.Writer) error {
	return demo.Load(ctx, s.store, demo.Options{Log: s.log, Out: out, Now: s.now,
		AttachPDF: s.attachPDF, Discard: s.deleteBlobs})
}

// attachPDF stores a PDF of title and paragraphs, named name, as an upload is stored (blob,
// checksum, extracted text), for documents the portal writes itself.
func (s *Server) attachPDF(ctx context.Context, name, title string, paras []string) (models.Attachment, error) {
	pdf := simplePDF(title, paras)
	att, err := s.storeUpload(ctx, upload{Name: name, Body: bytes.NewReader(pdf), Size: int64(len(pdf))}, MaxAttachmentSize)
	if err != nil {
		return models.Attachment{}, err
	}
	return s.extractTexts(ctx, []models.Attachment{att})[0], nil
}
