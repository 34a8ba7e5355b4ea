using System.Text.Json;
using Campaigns.Domain.Dialer;
using Campaigns.Domain.Validation;

namespace Campaigns.Functions.Http.ApiV;

/// <summary>
/// Reads a Campaign Scheduler API campaign body into a <see cref="DialerSettingsDraft"/>. The reader knows JSON types:
/// a value of the wrong type is reported here under the field's wire name (and left absent), as is a field that is not
/// in the seed's table (a typo such as <c>dialer_intervall</c> must not be ignored). The ranges are Domain's
/// (<see cref="DialerSettingsRules"/>).
/// </summary>
internal static class DialerSettingsReader
{
    private static readonly Dictionary<string, (JsonKind Kind, bool Nullable)> Fields =
        DialerFields.All.ToDictionary(f => f.Name, f => (f.Kind, f.Nullable), StringComparer.Ordinal);

    public static DialerSettingsDraft Read(JsonElement body, ValidationErrors errors)
    {
        var draft = DialerSettingsDraft.Empty;
        foreach (var property in body.EnumerateObject())
        {
            if (!Fields.TryGetValue(property.Name, out var field))
            {
                errors.Add(property.Name, $"is not a field of a campaign; the fields are: {string.Join(", ", Fields.Keys)}");
                continue;
            }
            var value = property.Value;
            if (value.ValueKind == JsonValueKind.Null)
            {
                draft = Set(draft, property.Name, DraftState.Null, value);
                continue;
            }
            var kindOk = field.Kind switch
            {
                JsonKind.String => value.ValueKind == JsonValueKind.String,
                JsonKind.Number => value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out var d) && double.IsFinite(d),
                JsonKind.Boolean => value.ValueKind is JsonValueKind.True or JsonValueKind.False,
                _ => false,
            };
            if (!kindOk)
            {
                errors.Add(property.Name, DialerFields.WrongTypeMessage(field.Kind));
                continue;
            }
            draft = Set(draft, property.Name, DraftState.Present, value);
        }
        return draft;
    }

    private static DialerSettingsDraft Set(DialerSettingsDraft d, string name, DraftState state, JsonElement v)
    {
        DraftValue<string> Str() => state == DraftState.Null ? DraftValue<string>.Null : DraftValue<string>.Of(v.GetString()!);
        DraftValue<double> Num() => state == DraftState.Null ? DraftValue<double>.Null : DraftValue<double>.Of(v.GetDouble());
        DraftValue<bool> Bool() => state == DraftState.Null ? DraftValue<bool>.Null : DraftValue<bool>.Of(v.GetBoolean());
        return name switch
        {
            DialerFields.Name => d with { Name = Str() },
            DialerFields.AgentId => d with { AgentId = Str() },
            DialerFields.Workspace => d with { Workspace = Str() },
            DialerFields.Email => d with { Email = Str() },
            DialerFields.LocaleName => d with { LocaleName = Str() },
            DialerFields.Active => d with { Active = Bool() },
            DialerFields.CallRatio => d with { CallRatio = Num() },
            DialerFields.DialerInterval => d with { DialerInterval = Num() },
            DialerFields.MaxActiveCalls => d with { MaxActiveCalls = Num() },
            DialerFields.MaxNumberCalls => d with { MaxNumberCalls = Num() },
            DialerFields.MinTimeBetweenCalls => d with { MinTimeBetweenCalls = Num() },
            DialerFields.DupeDays => d with { DupeDays = Num() },
            DialerFields.ExpireDays => d with { ExpireDays = Num() },
            DialerFields.EarliestProspectTime => d with { EarliestProspectTime = Str() },
            DialerFields.LatestProspectTime => d with { LatestProspectTime = Str() },
            DialerFields.IgnoreStates => d with { IgnoreStates = Str() },
            DialerFields.FilterHolidays => d with { FilterHolidays = Bool() },
            DialerFields.MaxWaitTime => d with { MaxWaitTime = Num() },
            DialerFields.QueueStrategy => d with { QueueStrategy = Str() },
            DialerFields.WrapUpTime => d with { WrapUpTime = Num() },
            DialerFields.Paused => d with { Paused = Bool() },
            _ => d,
        };
    }
}
