package printdoc

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"

	"github.com/boombuler/barcode"
	"github.com/boombuler/barcode/qr"
)

// qrModule is the size in pixels of one module of the QR images.
const qrModule = 8

// QRPNG draws text as a QR code (error correction level M) in a grey-scale PNG, qrModule pixels a
// module with the four-module quiet zone the standard asks for, so that it prints sharp and scans.
func QRPNG(text string) ([]byte, error) {
	code, err := qr.Encode(text, qr.M, qr.Auto)
	if err != nil {
		return nil, fmt.Errorf("printdoc: qr code: %w", err)
	}
	n := code.Bounds().Dx()
	size := (n + 8) * qrModule
	code, err = barcode.Scale(code, n*qrModule, n*qrModule)
	if err != nil {
		return nil, fmt.Errorf("printdoc: qr code: %w", err)
	}
	img := image.NewGray(image.Rect(0, 0, size, size))
	for i := range img.Pix {
		img.Pix[i] = 0xff
	}
	off := 4 * qrModule
	b := code.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if color.GrayModel.Convert(code.At(x, y)).(color.Gray).Y < 0x80 {
				img.SetGray(off+x-b.Min.X, off+y-b.Min.Y, color.Gray{})
			}
		}
	}
	var buf bytes.Buffer
	if err := (&png.Encoder{CompressionLevel: png.BestCompression}).Encode(&buf, img); err != nil {
		return nil, fmt.Errorf("printdoc: qr png: %w", err)
	}
	return buf.Bytes(), nil
}
