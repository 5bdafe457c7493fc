using System.Collections;
using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using Microsoft.Extensions.Configuration;

namespace FedEdge.Hosting.Configuration;

/// <summary>
/// Finds configuration keys that no options property would take, by walking a configuration section
/// beside the options type it binds to. The binder ignores such keys, so a misspelt or invented key
/// (<c>Agent:Power:Sourc</c>) would otherwise leave its default in place without a word (issue 1/5).
/// </summary>
/// <remarks>
/// <para>The walk mirrors what <see cref="ConfigurationBinder"/> binds: a key matches a public
/// instance property with a public setter, or a get-only property holding a collection or an object
/// (case-insensitive, as the binder). Values are leaves (strings, numbers, enums, <see cref="TimeSpan"/>);
/// a list's children are indices; a dictionary's children are its keys.</para>
/// <para>Trimming: the agent is published trimmed. The root type is annotated, and every nested options
/// type is reached through a property whose accessor the configuration-binding source generator calls,
/// which keeps the property (and its metadata) in the trimmed assembly; the arm64 integration test runs this
/// check in the trimmed publish under qemu.</para>
/// </remarks>
public static class OptionsSchema
{
    /// <summary>Every key under <paramref name="section"/> that <paramref name="optionsType"/> has no setting for, as full paths with the reason.</summary>
    /// <param name="section">The section bound to the options (e.g. <c>Agent</c>).</param>
    /// <param name="optionsType">The options class.</param>
    public static IReadOnlyList<string> UnknownKeys(
        IConfigurationSection section,
        [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicProperties)] Type optionsType)
    {
        ArgumentNullException.ThrowIfNull(section);
        ArgumentNullException.ThrowIfNull(optionsType);
        var problems = new List<string>();
        WalkObject(section, optionsType, problems);
        return problems;
    }

    /// <summary>
    /// The settings named <paramref name="name"/> anywhere in <paramref name="optionsType"/>'s tree, as key paths below the
    /// section (<c>Mqtt:CaCertificatePath</c>): names a validation message that carries only a member name.
    /// </summary>
    public static IReadOnlyList<string> PathsOf(
        [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicProperties)] Type optionsType,
        string name)
    {
        ArgumentNullException.ThrowIfNull(optionsType);
        ArgumentNullException.ThrowIfNull(name);
        var found = new List<string>();
        Collect(optionsType, string.Empty, name, found, depth: 0);
        return found;
    }

    /// <summary>The type a key path below the section (<c>Power:Source</c>) binds to, or null when there is no such setting.</summary>
    [UnconditionalSuppressMessage("Trimming", "IL2072", Justification = "See WalkObject.")]
    [UnconditionalSuppressMessage("Trimming", "IL2062", Justification = "See WalkObject.")]
    [UnconditionalSuppressMessage("Trimming", "IL2075", Justification = "See WalkObject.")]
    public static Type? TypeAt(
        [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicProperties)] Type optionsType,
        string path)
    {
        ArgumentNullException.ThrowIfNull(optionsType);
        ArgumentNullException.ThrowIfNull(path);
        Type? current = optionsType;
        foreach (string segment in path.Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            if (current is null || IsLeaf(current))
            {
                return null;
            }

            if (int.TryParse(segment, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out _) && ElementType(current) is Type element)
            {
                current = element;
                continue;
            }

            var property = Find(current.GetProperties(BindingFlags.Public | BindingFlags.Instance), segment);
            current = property is null ? null : Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
        }

        return current;
    }

    /// <summary>What a value of <paramref name="type"/> may be, for messages ("one of Sysfs, Mains, …" for enums).</summary>
    public static string Describe(Type type)
    {
        ArgumentNullException.ThrowIfNull(type);
        return type.IsEnum ? "one of " + string.Join(", ", Enum.GetNames(type)) : type.Name;
    }

    [UnconditionalSuppressMessage("Trimming", "IL2072", Justification = "See WalkObject.")]
    [UnconditionalSuppressMessage("Trimming", "IL2062", Justification = "See WalkObject.")]
    [UnconditionalSuppressMessage("Trimming", "IL2075", Justification = "See WalkObject.")]
    [UnconditionalSuppressMessage("Trimming", "IL2070", Justification = "See WalkObject.")]
    private static void Collect(Type type, string prefix, string name, List<string> found, int depth)
    {
        // options trees are a few levels deep; the bound stops a self-referencing type
        if (depth > 8 || IsLeaf(type))
        {
            return;
        }

        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.GetIndexParameters().Length != 0 || !IsBindable(property))
            {
                continue;
            }

            string path = prefix + property.Name;
            if (string.Equals(property.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                found.Add(path);
            }

            var propertyType = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
            if (!IsLeaf(propertyType) && ElementType(propertyType) is null)
            {
                Collect(propertyType, path + ":", name, found, depth + 1);
            }
        }
    }

    [UnconditionalSuppressMessage("Trimming", "IL2072", Justification = "Nested option types are kept by the binding generator's use of their accessors; see remarks.")]
    [UnconditionalSuppressMessage("Trimming", "IL2062", Justification = "As above.")]
    [UnconditionalSuppressMessage("Trimming", "IL2075", Justification = "As above.")]
    private static void WalkObject(
        IConfigurationSection section,
        [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicProperties)] Type type,
        List<string> problems)
    {
        var properties = type.GetProperties(BindingFlags.Public | BindingFlags.Instance);
        foreach (var child in section.GetChildren())
        {
            var property = Find(properties, child.Key);
            if (property is null)
            {
                problems.Add($"{child.Path}: unknown key (the settings of {section.Path} are {KnownKeys(properties)})");
                continue;
            }

            WalkValue(child, property.PropertyType, problems);
        }
    }

    [UnconditionalSuppressMessage("Trimming", "IL2072", Justification = "See WalkObject.")]
    [UnconditionalSuppressMessage("Trimming", "IL2062", Justification = "See WalkObject.")]
    [UnconditionalSuppressMessage("Trimming", "IL2075", Justification = "See WalkObject.")]
    [UnconditionalSuppressMessage("Trimming", "IL2067", Justification = "See WalkObject.")]
    private static void WalkValue(IConfigurationSection section, Type type, List<string> problems)
    {
        var underlying = Nullable.GetUnderlyingType(type) ?? type;
        bool hasChildren = section.GetChildren().Any();
        if (IsLeaf(underlying))
        {
            if (hasChildren)
            {
                problems.Add($"{section.Path}: is a single value ({Describe(underlying)}), not a section");
            }

            return;
        }

        if (!hasChildren)
        {
            // An empty value for a list or a section: the binder leaves the default (JSON "[]" or "{}" look like this).
            if (!string.IsNullOrEmpty(section.Value))
            {
                problems.Add($"{section.Path}: is a section ({Describe(underlying)}), not a single value");
            }

            return;
        }

        if (DictionaryValueType(underlying) is Type valueType)
        {
            foreach (var entry in section.GetChildren())
            {
                WalkValue(entry, valueType, problems);
            }

            return;
        }

        if (ElementType(underlying) is Type elementType)
        {
            foreach (var element in section.GetChildren())
            {
                if (!int.TryParse(element.Key, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out _))
                {
                    problems.Add($"{element.Path}: {section.Path} is a list; its entries are numbered, not named");
                    continue;
                }

                WalkValue(element, elementType, problems);
            }

            return;
        }

        WalkObject(section, underlying, problems);
    }

    private static PropertyInfo? Find(PropertyInfo[] properties, string key)
    {
        foreach (var property in properties)
        {
            if (property.GetIndexParameters().Length == 0
                && string.Equals(property.Name, key, StringComparison.OrdinalIgnoreCase)
                && IsBindable(property))
            {
                return property;
            }
        }

        return null;
    }

    private static bool IsBindable(PropertyInfo property)
    {
        // what the binder cannot convert from text is set by code, never by configuration (e.g. a last-will payload)
        if (property.PropertyType == typeof(ReadOnlyMemory<byte>) || property.PropertyType == typeof(Memory<byte>))
        {
            return false;
        }

        if (property.SetMethod is { IsPublic: true })
        {
            return true;
        }

        // get-only: the binder fills a collection or an object it finds there
        var type = property.PropertyType;
        return property.GetMethod is { IsPublic: true } && !IsLeaf(Nullable.GetUnderlyingType(type) ?? type);
    }

    private static string KnownKeys(PropertyInfo[] properties)
    {
        var names = new List<string>();
        foreach (var property in properties)
        {
            if (property.GetIndexParameters().Length == 0 && IsBindable(property))
            {
                names.Add(property.Name);
            }
        }

        names.Sort(StringComparer.Ordinal);
        return string.Join(", ", names);
    }

    private static bool IsLeaf(Type type) =>
        type.IsPrimitive || type.IsEnum || type == typeof(string) || type == typeof(decimal) || type == typeof(TimeSpan)
        || type == typeof(DateTime) || type == typeof(DateTimeOffset) || type == typeof(Guid) || type == typeof(Uri)
        || type == typeof(byte[]);

    [UnconditionalSuppressMessage("Trimming", "IL2070", Justification = "Interfaces of option collection types (IList<T>, IDictionary<K,V>) are kept: the binder uses them.")]
    private static Type? DictionaryValueType(Type type)
    {
        foreach (var candidate in Interfaces(type))
        {
            if (candidate.IsGenericType && candidate.GetGenericTypeDefinition() is var definition
                && (definition == typeof(IDictionary<,>) || definition == typeof(IReadOnlyDictionary<,>)))
            {
                return candidate.GetGenericArguments()[1];
            }
        }

        return null;
    }

    [UnconditionalSuppressMessage("Trimming", "IL2070", Justification = "See DictionaryValueType.")]
    private static Type? ElementType(Type type)
    {
        if (type.IsArray)
        {
            return type.GetElementType();
        }

        foreach (var candidate in Interfaces(type))
        {
            if (candidate.IsGenericType && candidate.GetGenericTypeDefinition() == typeof(IEnumerable<>))
            {
                return candidate.GetGenericArguments()[0];
            }
        }

        return typeof(IEnumerable).IsAssignableFrom(type) ? typeof(object) : null;
    }

    [UnconditionalSuppressMessage("Trimming", "IL2070", Justification = "See DictionaryValueType.")]
    private static Type[] Interfaces(Type type) => type.IsInterface ? [type, .. type.GetInterfaces()] : type.GetInterfaces();
}
