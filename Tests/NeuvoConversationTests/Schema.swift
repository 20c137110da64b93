import NeuvoArrangements
import NeuvoConversation
import NeuvoRegistry
import NeuvoStorage

/// The tables the conversation reads and writes, in the application's order (`NeuvoRuntime.schema`).
let conversationSchema =
    StorageSchema.migrations + RegistrySchema.migrations + ArrangementsSchema.migrations
    + ConversationSchema.migrations
