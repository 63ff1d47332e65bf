package mailbox

import (
	"context"

	"github.com/orybench/orybench/kratosclient"
)

// AdminCourier reads mails through a Kratos admin API's courier messages
// endpoint (GET /admin/courier/messages), which holds each rendered body,
// code or link included, whether or not a courier ever delivered it. This is the
// source for a remote deployment where orybench holds an admin key but no
// mailbox.
type AdminCourier struct {
	Admin *kratosclient.Admin
}

// Messages lists what the courier queued or sent to recipient.
func (a AdminCourier) Messages(ctx context.Context, recipient string) ([]Message, error) {
	msgs, err := a.Admin.ListCourierMessages(ctx, recipient)
	if err != nil {
		return nil, err
	}
	out := make([]Message, 0, len(msgs))
	for _, m := range msgs {
		code, link := contents(m.TemplateType, m.Body, "", "")
		out = append(out, Message{
			ID:           m.ID,
			Recipient:    m.Recipient,
			TemplateType: m.TemplateType,
			Subject:      m.Subject,
			Body:         m.Body,
			Code:         code,
			Link:         link,
			Received:     m.CreatedAt,
		})
	}
	return out, nil
}
