package app

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"pilu/models"
)

// exportTables are the public tables of /exports, by base name.
var exportTables = map[string]func(s *Server, ctx context.Context) ([][]string, error){
	"institutions": (*Server).institutionRecords,
	"zombies":      (*Server).zombieRecords,
	"exits":        (*Server).exitRecords,
}

// exportFile builds one export file (institutions.csv, zombies.xlsx …) with its content type.
func (s *Server) exportFile(ctx context.Context, name string) ([]byte, string, error) {
	base, ext, _ := strings.Cut(name, ".")
	table, ok := exportTables[base]
	if !ok || (ext != "csv" && ext != "xlsx") {
		return nil, "", fiber.ErrNotFound
	}
	records, err := table(s, ctx)
	if err != nil {
		return nil, "", err
	}
	if ext == "csv" {
		b, err := csvBytes(records)
		return b, "text/csv; charset=utf-8", err
	}
	b, err := xlsxBytes(records)
	return b, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", err
}

// sendExport answers /exports/NAME.csv|xlsx, or NAME.csv.sha256 with the checksum of the same bytes
// (sha256sum's format: "HEX  NAME").
func (s *Server) sendExport(c *fiber.Ctx) error {
	name := c.Params("name")
	file, sum := strings.CutSuffix(name, ".sha256")
	b, ctype, err := s.exportFile(c.UserContext(), file)
	if err != nil {
		return err
	}
	if sum {
		h := sha256.Sum256(b)
		c.Set(fiber.HeaderContentType, "text/plain; charset=utf-8")
		return c.SendString(hex.EncodeToString(h[:]) + "  " + file + "\n")
	}
	c.Set(fiber.HeaderContentType, ctype)
	c.Set(fiber.HeaderContentDisposition, contentDisposition(file))
	return c.Send(b)
}

// institutionRecords is every institution on the lists, by province and name.
func (s *Server) institutionRecords(ctx context.Context) ([][]string, error) {
	all, err := s.store.AllInstitutions(ctx)
	if err != nil {
		return nil, err
	}
	out := [][]string{{"统一社会信用代码 uscc", "机构名称 name", "平台名称 brands", "曾用名 former_names", "网站 websites",
		"省份代码 province", "省份 province_name", "所在地区 district", "分类 class", "分类日期 class_since", "处置状态 disposition", "更新时间 updated_at", "演示数据 demo"}}
	for _, in := range all {
		out = append(out, []string{in.USCC, in.Name, strings.Join(in.Brands, "; "), strings.Join(in.FormerNames, "; "),
			strings.Join(in.Websites, "; "), in.Province, provinceName("zh", in.Province), in.District, in.Class,
			chinaDay(in.ClassSince), in.Disposition, in.UpdatedAt.UTC().Format(time.RFC3339), strconv.FormatBool(in.Demo)})
	}
	return out, nil
}

// zombieRecords is every institution listed on a published zombie list, with the notice, its
// window, the public claim count and the outcome.
func (s *Server) zombieRecords(ctx context.Context) ([][]string, error) {
	notices, err := s.store.PublishedZombieLists(ctx)
	if err != nil {
		return nil, err
	}
	ids := make([]uint64, len(notices))
	for i, n := range notices {
		ids[i] = n.ID
	}
	counts, err := s.store.ClaimCounts(ctx, ids...)
	if err != nil {
		return nil, err
	}
	now := s.now()
	out := [][]string{{"公告文号 notice", "公告编号 notice_id", "省份代码 province", "发布日期 published", "申报截止日 last_day", "状态 status",
		"统一社会信用代码 uscc", "机构名称 name", "平台名称 brand", "所在地区 district", "申报数 claims", "处理结果 outcome", "演示数据 demo"}}
	for _, n := range notices {
		pub := ""
		if n.PublishedAt != nil {
			pub = chinaDay(*n.PublishedAt)
		}
		for _, li := range n.Institutions {
			out = append(out, []string{deref(n.Number), strconv.FormatUint(n.ID, 10), n.Province, pub, n.LastDay, string(n.Status(now)),
				li.USCC, li.Name, li.Brand, li.District, strconv.FormatInt(counts[li.ID], 10), li.Outcome, strconv.FormatBool(n.Demo)})
		}
	}
	return out, nil
}

// chinaDay is the date of t in China time, or "" for the zero time.
func chinaDay(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(models.ChinaZone).Format(time.DateOnly)
}
