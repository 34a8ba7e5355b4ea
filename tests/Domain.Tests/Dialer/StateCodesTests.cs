using Campaigns.Domain.Dialer;

namespace Campaigns.Domain.Tests.Dialer;

public sealed class StateCodesTests
{
    [Fact]
    public void All_HasFiftyStatesDcFiveTerritoriesAndThirteenCanadianRegions()
    {
        Assert.Equal(50 + 1 + 5 + 13, StateCodes.All.Count);
        Assert.Equal(StateCodes.All.Count, StateCodes.All.Distinct().Count());
        Assert.Equal(13, StateCodes.Canadian.Count);
        Assert.All(StateCodes.All, code => Assert.Equal(code, StateCodes.FromName(StateCodes.NameOf(code))));
    }

    [Theory]
    [InlineData("ca", "CA")]
    [InlineData("California", "CA")]
    [InlineData("WASHINGTON", "WA")]
    [InlineData("Washington DC", "DC")]
    [InlineData("newfoundland", "NL")]
    [InlineData("Yukon Territory", "YT")]
    [InlineData("Hawai'i", "HI")]
    [InlineData("ZZ", null)]
    [InlineData("Cal", null)]
    [InlineData(" ", null)]
    public void FromCodeOrName_AcceptsCodesAndNamesOnly(string text, string? code)
    {
        Assert.Equal(code, StateCodes.FromCodeOrName(text));
    }

    [Fact]
    public void StateCodeList_EqualityIsByNormalisedCodes()
    {
        Assert.Equal(StateCodeList.Parse("ny,ca"), StateCodeList.Parse(" NY , CA "));
        Assert.NotEqual(StateCodeList.Parse("NY,CA"), StateCodeList.Parse("CA,NY"));
        Assert.Same(StateCodeList.Empty, StateCodeList.Parse(" , "));
        Assert.Throws<FormatException>(() => StateCodeList.Parse("NY,XX"));
    }

    [Fact]
    public void StateCodeList_TooLong_IsRefused()
    {
        Assert.False(StateCodeList.TryParse(string.Join(",", Enumerable.Repeat("NY", 400)), out _, out var error));
        Assert.Contains("at most 1024", error);
    }
}
