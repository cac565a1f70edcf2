//! Column, index and foreign-key builders shared by the migrations, so that every table spells
//! ids, timestamps and constraints the same way on SQLite and PostgreSQL.

use sea_orm_migration::prelude::*;

/// A `BIGINT` auto-increment primary key.
///
/// sea-query renders it as `integer NOT NULL PRIMARY KEY AUTOINCREMENT` on SQLite (the only
/// auto-increment form SQLite accepts; its integers are 64-bit) and `bigserial` on PostgreSQL.
pub fn pk_id<T: IntoIden>(col: T) -> ColumnDef {
    ColumnDef::new(col)
        .big_integer()
        .not_null()
        .auto_increment()
        .primary_key()
        .take()
}

/// A `TEXT` natural primary key.
pub fn pk_text<T: IntoIden>(col: T) -> ColumnDef {
    ColumnDef::new(col).text().not_null().primary_key().take()
}

/// A `NOT NULL` boolean with a default.
pub fn flag<T: IntoIden>(col: T, default: bool) -> ColumnDef {
    ColumnDef::new(col)
        .boolean()
        .not_null()
        .default(default)
        .take()
}

/// A `NOT NULL` integer with a default.
pub fn int_default<T: IntoIden>(col: T, default: i32) -> ColumnDef {
    ColumnDef::new(col)
        .integer()
        .not_null()
        .default(default)
        .take()
}

/// A `NOT NULL` text column with a default.
pub fn text_default<T: IntoIden>(col: T, default: &str) -> ColumnDef {
    ColumnDef::new(col)
        .text()
        .not_null()
        .default(default)
        .take()
}

/// A `NOT NULL` instant (`timestamp with time zone`).
pub fn instant<T: IntoIden>(col: T) -> ColumnDef {
    ColumnDef::new(col)
        .timestamp_with_time_zone()
        .not_null()
        .take()
}

/// A nullable instant (`timestamp with time zone`).
pub fn instant_null<T: IntoIden>(col: T) -> ColumnDef {
    ColumnDef::new(col).timestamp_with_time_zone().null().take()
}

/// A named foreign key `from_table.from_col -> to_table.to_col`.
pub fn foreign_key<A, B, C, D>(
    name: &str,
    from_table: A,
    from_col: B,
    to_table: C,
    to_col: D,
    on_delete: ForeignKeyAction,
) -> ForeignKeyCreateStatement
where
    A: IntoIden + 'static,
    B: IntoIden + 'static,
    C: IntoIden + 'static,
    D: IntoIden + 'static,
{
    ForeignKey::create()
        .name(name)
        .from(from_table, from_col)
        .to(to_table, to_col)
        .on_delete(on_delete)
        .on_update(ForeignKeyAction::NoAction)
        .take()
}

/// A named (non-unique) index over `cols`, in order.
pub fn index<T, C>(name: &str, table: T, cols: impl IntoIterator<Item = C>) -> IndexCreateStatement
where
    T: IntoIden + 'static,
    C: IntoIndexColumn,
{
    let mut stmt = Index::create();
    stmt.name(name).table(table).if_not_exists();
    for col in cols {
        stmt.col(col);
    }
    stmt.take()
}

/// A named unique index over `cols`, in order.
pub fn unique_index<T, C>(
    name: &str,
    table: T,
    cols: impl IntoIterator<Item = C>,
) -> IndexCreateStatement
where
    T: IntoIden + 'static,
    C: IntoIndexColumn,
{
    let mut stmt = index(name, table, cols);
    stmt.unique();
    stmt
}

/// Creates every index, in order.
pub async fn create_indexes(
    manager: &SchemaManager<'_>,
    indexes: Vec<IndexCreateStatement>,
) -> Result<(), DbErr> {
    for stmt in indexes {
        manager.create_index(stmt).await?;
    }
    Ok(())
}

/// Drops the tables, in the order given (dependants first).
pub async fn drop_tables(
    manager: &SchemaManager<'_>,
    tables: impl IntoIterator<Item = DynIden>,
) -> Result<(), DbErr> {
    for table in tables {
        manager
            .drop_table(Table::drop().table(table).if_exists().take())
            .await?;
    }
    Ok(())
}

/// Adds a column unless it is there (SQLite does not undo a half-run migration's DDL).
pub async fn add_column(
    manager: &SchemaManager<'_>,
    table: impl IntoIden + 'static,
    mut column: ColumnDef,
) -> Result<(), DbErr> {
    let table = table.into_iden();
    let name = column.get_column_name();
    if manager.has_column(table.to_string(), name).await? {
        return Ok(());
    }
    manager
        .alter_table(
            Table::alter()
                .table(table)
                .add_column(&mut column)
                .to_owned(),
        )
        .await
}

/// Drops a column.
pub async fn drop_column(
    manager: &SchemaManager<'_>,
    table: impl IntoIden + 'static,
    column: impl IntoIden + 'static,
) -> Result<(), DbErr> {
    manager
        .alter_table(Table::alter().table(table).drop_column(column).to_owned())
        .await
}
