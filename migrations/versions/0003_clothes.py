"""The clothes catalogue, and the indexes behind keyset pagination.

clothes: CHECKs repeat the API's bounds (category, size, price, stock). One (key, id)
index per sort order (name, price, created_at; id is the primary key), scanned forwards or
backwards for ascending or descending sorts; single-column indexes for the category and
size filters. users: (name, id) and (created_at, id) for the sorts of GET /users.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29 05:42:17.288730

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('clothes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('category', sa.String(length=16), nullable=False),
    sa.Column('size', sa.String(length=4), nullable=False),
    sa.Column('color', sa.String(length=30), nullable=False),
    sa.Column('price', sa.Numeric(precision=10, scale=2), nullable=False),
    sa.Column('stock', sa.Integer(), nullable=False),
    sa.Column('photo_url', sa.String(length=500), nullable=True),
    sa.Column('description', sa.String(length=2000), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("category IN ('tops', 'bottoms', 'dresses', 'outerwear', 'shoes', 'accessories')", name=op.f('ck_clothes_category_known')),
    sa.CheckConstraint("size IN ('XXS', 'XS', 'S', 'M', 'L', 'XL', 'XXL', 'XXXL')", name=op.f('ck_clothes_size_known')),
    sa.CheckConstraint('price >= 0 AND price < 1000000', name=op.f('ck_clothes_price_range')),
    sa.CheckConstraint('stock >= 0 AND stock <= 1000000', name=op.f('ck_clothes_stock_range')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_clothes')),
    sqlite_autoincrement=True,
    )
    with op.batch_alter_table('clothes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_clothes_category'), ['category'], unique=False)
        batch_op.create_index('ix_clothes_created_at_id', ['created_at', 'id'], unique=False)
        batch_op.create_index('ix_clothes_name_id', ['name', 'id'], unique=False)
        batch_op.create_index('ix_clothes_price_id', ['price', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_clothes_size'), ['size'], unique=False)

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.create_index('ix_users_created_at_id', ['created_at', 'id'], unique=False)
        batch_op.create_index('ix_users_name_id', ['name', 'id'], unique=False)



def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_index('ix_users_name_id')
        batch_op.drop_index('ix_users_created_at_id')

    with op.batch_alter_table('clothes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_clothes_size'))
        batch_op.drop_index('ix_clothes_price_id')
        batch_op.drop_index('ix_clothes_name_id')
        batch_op.drop_index('ix_clothes_created_at_id')
        batch_op.drop_index(batch_op.f('ix_clothes_category'))

    op.drop_table('clothes')
