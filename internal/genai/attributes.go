package genai

// Attributes that the genai processor writes onto spans and that the Langfuse
// exporter and other backends read.
const (
	// AttrCost is the total cost of the model call in USD (double).
	AttrCost = "gen_ai.usage.cost"
	// AttrCostDetails is the cost per usage type in USD as a JSON object,
	// in the key spelling of Langfuse's costDetails.
	AttrCostDetails = "langfuse.observation.cost_details"
	// AttrPriceID is the id of the price table entry that priced the call.
	AttrPriceID = "gen_ai.usage.cost.price_id"
)
