using System.Text.Json.Nodes;
using Campaigns.LocalHost.Grpc.Messages;

namespace Campaigns.LocalHost.Worker;

/// <summary>
/// One function as the worker described it in its FunctionMetadataResponse: the host knows functions only from the
/// worker (worker indexing), never from a list of its own. The trigger is the input binding whose type ends in
/// "Trigger"; its raw JSON holds everything the listener needs (queueName, path, schedule, route, methods...).
/// </summary>
public sealed record FunctionDescriptor(string Name, string FunctionId, JsonObject Trigger, IReadOnlyList<JsonObject> Bindings, RpcFunctionMetadata Metadata)
{
    /// <summary>The trigger's type as function.json spells it (httpTrigger, queueTrigger, ...), compared case-insensitively.</summary>
    public string TriggerType => Trigger["type"]?.GetValue<string>() ?? "";

    /// <summary>The trigger parameter's name: the InvocationRequest's input binding takes this name.</summary>
    public string TriggerName => Trigger["name"]?.GetValue<string>() ?? "";

    public bool IsTrigger(string type) => string.Equals(TriggerType, type, StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Whether the worker binds the trigger's data itself from a reference (an SDK type parameter such as BlobClient:
    /// the binding's <c>properties.supportsDeferredBinding</c>), so the host sends ModelBindingData instead of the data.
    /// </summary>
    public bool SupportsDeferredBinding =>
        Trigger["properties"]?["supportsDeferredBinding"]?.ToString() is { } flag && bool.TryParse(flag, out var deferred) && deferred;

    /// <summary>A string property of the trigger binding (e.g. queueName), or null.</summary>
    public string? Property(string name) => Trigger[name] is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;

    public static FunctionDescriptor From(RpcFunctionMetadata metadata)
    {
        var bindings = metadata.RawBindings.Select(raw => JsonNode.Parse(raw) as JsonObject
            ?? throw new InvalidDataException($"Function {metadata.Name} has a binding that is not a JSON object: {raw}")).ToList();
        var trigger = bindings.FirstOrDefault(b =>
            (b["type"]?.GetValue<string>() ?? "").EndsWith("Trigger", StringComparison.OrdinalIgnoreCase)
            && !string.Equals(b["direction"]?.GetValue<string>(), "out", StringComparison.OrdinalIgnoreCase))
            ?? throw new InvalidDataException($"Function {metadata.Name} has no trigger binding.");
        var id = string.IsNullOrEmpty(metadata.FunctionId) ? Guid.NewGuid().ToString() : metadata.FunctionId;
        return new FunctionDescriptor(metadata.Name, id, trigger, bindings, metadata);
    }
}
