using Campaigns.LocalHost.Grpc.Messages;
using Campaigns.LocalHost.Invocation;
using Campaigns.LocalHost.Worker;
using DurableTask.Core;
using DurableTask.Core.Exceptions;
using DurableTask.Core.History;
using DurableTask.Core.Middleware;
using Microsoft.DurableTask.Testing.Sidecar.Grpc;
using P = Microsoft.DurableTask.Protobuf;

namespace Campaigns.LocalHost.Durable;

/// <summary>
/// The dispatcher middlewares that run Durable work items in the isolated worker, as the Durable Functions extension
/// does for out-of-process workers. An orchestrator invocation's trigger input is a base64 protobuf
/// <c>OrchestratorRequest</c> (instance, past and new history) and its return value a base64 <c>OrchestratorResponse</c>
/// (the actions to take); an activity's input is its serialized input and its return value its output.
/// </summary>
/// <remarks>
/// A work item whose invocation could not run to an answer (the worker died or restarted, the invocation timed out,
/// the host is stopping) is abandoned with <see cref="SessionAbortedException"/>: the provider puts its messages back
/// and it runs again, as on Azure. An activity that threw fails its task in the orchestration (the orchestrator decides
/// whether to retry); an orchestrator invocation that answered without a usable response fails the orchestration.
/// </remarks>
internal sealed class WorkItemInvoker(
    InvocationDispatcher dispatcher, Func<string, FunctionDescriptor?> orchestrators, Func<string, FunctionDescriptor?> activities)
{
    public async Task RunOrchestratorAsync(DispatchMiddlewareContext context, Func<Task> next)
    {
        var state = context.GetProperty<OrchestrationRuntimeState>();
        var instance = context.GetProperty<OrchestrationInstance>();
        if (state is null || instance is null)
        {
            context.SetProperty(OrchestratorExecutionResult.ForFailure("The work item carried no orchestration state.", details: null));
            return;
        }
        if (orchestrators(state.Name) is not { } function)
        {
            context.SetProperty(OrchestratorExecutionResult.ForFailure(
                $"The orchestrator function '{state.Name}' does not exist in this app (or is disabled).", details: null));
            return;
        }
        var request = new P.OrchestratorRequest
        {
            InstanceId = instance.InstanceId,
            ExecutionId = instance.ExecutionId,
            PastEvents = { state.PastEvents.Select(ProtobufUtils.ToHistoryEventProto) },
            NewEvents = { state.NewEvents.Select(ProtobufUtils.ToHistoryEventProto) },
        };
        var invocation = new InvocationRequest();
        invocation.InputData.Add(new ParameterBinding { Name = function.TriggerName, Data = TypedDataValues.String(ProtobufUtils.Base64Encode(request)) });
        var outcome = await dispatcher.InvokeAsync(function, invocation, alongside: null, CancellationToken.None);
        if (outcome.Response is null || outcome.Status is InvocationStatus.TimedOut or InvocationStatus.Cancelled or InvocationStatus.Rejected)
            throw new SessionAbortedException($"Orchestrator '{function.Name}' of {instance.InstanceId} did not run to an answer: {outcome.Error}");
        if (!outcome.Succeeded || outcome.Response.ReturnValue?.String is not { Length: > 0 } encoded)
        {
            context.SetProperty(OrchestratorExecutionResult.ForFailure(
                $"Function '{function.Name}' failed: {outcome.Error ?? "it returned no orchestrator response"}", details: outcome.Response.Result?.Exception?.StackTrace));
            return;
        }
        var response = P.OrchestratorResponse.Parser.ParseFrom(Convert.FromBase64String(encoded));
        context.SetProperty(new OrchestratorExecutionResult
        {
            Actions = response.Actions.Select(ProtobufUtils.ToOrchestratorAction).ToList(),
            CustomStatus = response.CustomStatus,
        });
    }

    public async Task RunActivityAsync(DispatchMiddlewareContext context, Func<Task> next)
    {
        var scheduled = context.GetProperty<TaskScheduledEvent>()
            ?? throw new InvalidOperationException("An activity work item carried no TaskScheduledEvent.");
        if (activities(scheduled.Name ?? "") is not { } function)
        {
            context.SetProperty(new ActivityExecutionResult
            {
                ResponseEvent = new TaskFailedEvent(-1, scheduled.EventId, $"The activity function '{scheduled.Name}' does not exist in this app (or is disabled).", details: null),
            });
            return;
        }
        var invocation = new InvocationRequest();
        invocation.InputData.Add(new ParameterBinding
        {
            Name = function.TriggerName,
            Data = ActivityInput.Unwrap(scheduled.Input) is { } input ? TypedDataValues.String(input) : new TypedData(),
        });
        var outcome = await dispatcher.InvokeAsync(function, invocation, alongside: null, CancellationToken.None);
        if (outcome.Response is null || outcome.Status is InvocationStatus.TimedOut or InvocationStatus.Cancelled or InvocationStatus.Rejected)
            throw new SessionAbortedException($"Activity '{function.Name}' did not run to an answer: {outcome.Error}");
        HistoryEvent answer = outcome.Succeeded
            ? new TaskCompletedEvent(-1, scheduled.EventId, ActivityOutput.ToJson(outcome.Response.ReturnValue))
            : new TaskFailedEvent(-1, scheduled.EventId, $"Function '{function.Name}' failed with an unhandled exception.", details: null,
                ActivityFailure.From(outcome.Response.Result?.Exception, outcome.Error));
        context.SetProperty(new ActivityExecutionResult { ResponseEvent = answer });
    }
}

/// <summary>
/// An activity's input as the worker binds it. The isolated worker's orchestrator schedules activities through
/// DurableTask.Core, which stores the input as a JSON array of the call's parameters (one); the extension hands the
/// worker that one element (for a .NET isolated app, inputs are always such arrays).
/// </summary>
internal static class ActivityInput
{
    public static string? Unwrap(string? serialized)
    {
        if (serialized is null)
            return null;
        using var document = System.Text.Json.JsonDocument.Parse(serialized);
        return document.RootElement is { ValueKind: System.Text.Json.JsonValueKind.Array } array && array.GetArrayLength() == 1
            ? array[0].GetRawText()
            : throw new InvalidDataException("An activity's serialized input is expected to be a JSON array with one element.");
    }
}

/// <summary>
/// What an activity's exception looked like, for the orchestrator's <c>TaskFailedException</c>. The .NET isolated
/// worker's Durable extension writes the failure as JSON in the RPC exception's message (errorType, errorMessage,
/// stackTrace, innerFailure, isNonRetriable); anything else is taken from the RPC exception's own fields.
/// </summary>
internal static class ActivityFailure
{
    public static FailureDetails From(RpcException? exception, string? error)
    {
        if (exception?.Message is { Length: > 0 } message && message.TrimStart().StartsWith('{'))
        {
            try
            {
                if (System.Text.Json.Nodes.JsonNode.Parse(message) is System.Text.Json.Nodes.JsonObject json && FromJson(json) is { } parsed)
                    return parsed;
            }
            catch (System.Text.Json.JsonException)
            {
                // not the worker's JSON: fall through
            }
        }
        return new FailureDetails(exception?.Type is { Length: > 0 } type ? type : "System.Exception",
            exception?.Message ?? error ?? "failed", exception?.StackTrace, innerFailure: null, isNonRetriable: false);
    }

    private static FailureDetails? FromJson(System.Text.Json.Nodes.JsonObject json)
    {
        if (json["errorType"]?.GetValue<string>() is not { } type)
            return null;
        return new FailureDetails(type, json["errorMessage"]?.GetValue<string>() ?? "", json["stackTrace"]?.GetValue<string>(),
            json["innerFailure"] is System.Text.Json.Nodes.JsonObject inner ? FromJson(inner) : null,
            json["isNonRetriable"]?.GetValue<bool>() ?? false);
    }
}

/// <summary>An activity's return value as the serialized output an orchestrator reads back (JSON, as the extension stores it).</summary>
internal static class ActivityOutput
{
    public static string? ToJson(TypedData? value) => value?.DataCase switch
    {
        TypedData.DataOneofCase.Json => value.Json,
        TypedData.DataOneofCase.String => System.Text.Json.JsonSerializer.Serialize(value.String),
        TypedData.DataOneofCase.Int => value.Int.ToString(System.Globalization.CultureInfo.InvariantCulture),
        TypedData.DataOneofCase.Double => System.Text.Json.JsonSerializer.Serialize(value.Double),
        TypedData.DataOneofCase.Bytes => System.Text.Json.JsonSerializer.Serialize(value.Bytes.ToBase64()),
        _ => null,
    };
}
