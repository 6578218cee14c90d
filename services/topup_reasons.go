package services

import "errors"

// Why a top-up failed, as the panel words it for the customer (message key
// wallet.reason.<reason>). A gateway's own words are written for its merchants'
// developers, and a transport error or a broken body for nobody but the
// operator's log.
const (
	ReasonNotPaid        = "not_paid"        // the gateway holds no payment for it
	ReasonAmountDiffers  = "amount_differs"  // the gateway holds another amount
	ReasonUnknownPayment = "unknown_payment" // the gateway does not know the payment
	ReasonMerchant       = "merchant"        // the provider's account at the gateway is at fault
	ReasonBusy           = "busy"            // the gateway asks to try later
	ReasonUnreachable    = "unreachable"     // no answer, or not one the panel can read
)

// TopUpReasons are every reason a top-up can fail for, for those who word them.
var TopUpReasons = []string{ReasonNotPaid, ReasonAmountDiffers, ReasonUnknownPayment, ReasonMerchant, ReasonBusy, ReasonUnreachable}

// verdict reports whether a reason says the payment was not made, so that a
// top-up may be marked failed; the others say nothing of the payment.
func verdict(reason string) bool {
	return reason == ReasonNotPaid || reason == ReasonAmountDiffers || reason == ReasonUnknownPayment
}

// failureOf is why a gateway's answer (or its silence) failed a request.
func failureOf(err error) (reason, words string) {
	var ge *GatewayError
	if errors.As(err, &ge) {
		return ge.Reason, ge.Message
	}
	return ReasonUnreachable, ""
}

// reasonMessage is the message key (and its placeholder pairs) that tells the
// customer why: the panel's words for a reason, else the gateway's own words
// for a refusal nobody documented.
func reasonMessage(reason, words string) (string, []string) {
	switch {
	case reason != "":
		return "wallet.reason." + reason, nil
	case words != "":
		return "wallet.gateway_refused", []string{"message", words}
	}
	return "wallet.reason." + ReasonUnreachable, nil
}

// gatewayFailure is the 503 a customer gets when the gateway refused or did
// not answer a request: nothing was charged.
func gatewayFailure(err error) *Error {
	key, args := reasonMessage(failureOf(err))
	return UnavailableWith(key, err, args...)
}
