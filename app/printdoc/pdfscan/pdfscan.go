// Package pdfscan reads back the PDFs that package printdoc writes, as a reader would: the QR codes
// in their images, decoded with gozxing (a port of ZXing) the way a phone's camera reads the printed
// page, and the text of each page. Only tests import it, so the decoder is not part of the portal's
// binary.
package pdfscan

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"image"
	"image/png"
	"regexp"
	"strconv"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"
)

// imageObject matches the dictionary of a grey-scale image XObject as fpdf writes a PNG: the
// PNG's compressed IDAT data with its predictors, so the stream is the PNG's image data unchanged.
var imageObject = regexp.MustCompile(`<</Type /XObject\s*/Subtype /Image\s*/Width (\d+)\s*/Height (\d+)\s*/ColorSpace /DeviceGray\s*/BitsPerComponent 8\s*/Filter /FlateDecode\s*/DecodeParms <</Predictor 15 /Colors 1 /BitsPerComponent 8 /Columns \d+>>\s*/Length (\d+)>>\s*stream\r?\n`)

// QR finds the grey-scale images of a PDF written by printdoc and decodes the QR code in each.
func QR(pdf []byte) ([]string, error) {
	var out []string
	for _, m := range imageObject.FindAllSubmatchIndex(pdf, -1) {
		w, _ := strconv.Atoi(string(pdf[m[2]:m[3]]))
		h, _ := strconv.Atoi(string(pdf[m[4]:m[5]]))
		n, _ := strconv.Atoi(string(pdf[m[6]:m[7]]))
		if m[1]+n > len(pdf) {
			return nil, errors.New("pdfscan: image stream cut short")
		}
		img, err := decodeIDAT(w, h, pdf[m[1]:m[1]+n])
		if err != nil {
			return nil, err
		}
		bmp, err := gozxing.NewBinaryBitmapFromImage(img)
		if err != nil {
			return nil, fmt.Errorf("pdfscan: qr bitmap: %w", err)
		}
		res, err := qrcode.NewQRCodeReader().Decode(bmp, nil)
		if err != nil {
			return nil, fmt.Errorf("pdfscan: qr decode: %w", err)
		}
		out = append(out, res.GetText())
	}
	return out, nil
}

// decodeIDAT wraps a PDF image stream (PNG image data of an 8-bit grey image) in a PNG file again
// and decodes it.
func decodeIDAT(w, h int, data []byte) (image.Image, error) {
	var buf bytes.Buffer
	buf.WriteString("\x89PNG\r\n\x1a\n")
	chunk := func(kind string, body []byte) {
		binary.Write(&buf, binary.BigEndian, uint32(len(body)))
		c := crc32.NewIEEE()
		c.Write([]byte(kind))
		c.Write(body)
		buf.WriteString(kind)
		buf.Write(body)
		binary.Write(&buf, binary.BigEndian, c.Sum32())
	}
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], uint32(w))
	binary.BigEndian.PutUint32(ihdr[4:], uint32(h))
	ihdr[8], ihdr[9] = 8, 0 // 8 bits, grey
	chunk("IHDR", ihdr)
	chunk("IDAT", data)
	chunk("IEND", nil)
	img, err := png.Decode(&buf)
	if err != nil {
		return nil, fmt.Errorf("pdfscan: image in pdf: %w", err)
	}
	return img, nil
}
