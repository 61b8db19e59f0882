"""Outfits: a user's named, ordered sets of catalogue items.

outfits: owned by a user (deleted with them), private or public; (owner_id, key, id) indexes
serve the sorts of the owner's list, (visibility, id) the public list. outfit_items: one row
per position, each catalogue item at most once per outfit; deleting an outfit or a
catalogue item deletes its rows (ON DELETE CASCADE).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 18:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('outfits',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('note', sa.String(length=2000), nullable=True),
    sa.Column('visibility', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("visibility IN ('private', 'public')", name=op.f('ck_outfits_visibility_known')),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_outfits_owner_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outfits')),
    sqlite_autoincrement=True,
    )
    with op.batch_alter_table('outfits', schema=None) as batch_op:
        batch_op.create_index('ix_outfits_owner_id_created_at_id', ['owner_id', 'created_at', 'id'], unique=False)
        batch_op.create_index('ix_outfits_owner_id_id', ['owner_id', 'id'], unique=False)
        batch_op.create_index('ix_outfits_owner_id_name_id', ['owner_id', 'name', 'id'], unique=False)
        batch_op.create_index('ix_outfits_visibility_id', ['visibility', 'id'], unique=False)

    op.create_table('outfit_items',
    sa.Column('outfit_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('clothing_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['clothing_id'], ['clothes.id'], name=op.f('fk_outfit_items_clothing_id_clothes'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['outfit_id'], ['outfits.id'], name=op.f('fk_outfit_items_outfit_id_outfits'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('outfit_id', 'position', name=op.f('pk_outfit_items')),
    sa.UniqueConstraint('outfit_id', 'clothing_id', name=op.f('uq_outfit_items_outfit_id')),
    )
    with op.batch_alter_table('outfit_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outfit_items_clothing_id'), ['clothing_id'], unique=False)


def downgrade():
    with op.batch_alter_table('outfit_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outfit_items_clothing_id'))

    op.drop_table('outfit_items')
    with op.batch_alter_table('outfits', schema=None) as batch_op:
        batch_op.drop_index('ix_outfits_visibility_id')
        batch_op.drop_index('ix_outfits_owner_id_name_id')
        batch_op.drop_index('ix_outfits_owner_id_id')
        batch_op.drop_index('ix_outfits_owner_id_created_at_id')

    op.drop_table('outfits')
